package steps

// vbrEncryptionPasswordChangePassword is the
// vbr.encryption_password.change_password action.
func vbrEncryptionPasswordChangePassword() *Action {
	return objectAction{
		name:    "vbr.encryption_password.change_password",
		what:    "encryption password",
		summary: "Change a data encryption password (from secret(), never shown), optionally with a new hint.",
		doc: `Sets a new value on a data encryption password: POST /encryptionPasswords/{id}/changepassword (defined
from 1.2-rev1) with the vendor EncryptionPasswordChangeSpec. An encryption password has no name: it is given by its
hint (or id); newHint replaces the hint, which the vendor requires, and defaults to the current one. Write password
as ${{ secret('NAME') }}: it is masked in plans, logs, journals and errors. Backups written before keep needing
the old password to restore.`,
		example: `steps:
  - id: rotate_key
    action: vbr.encryption_password.change_password
    target: vbr
    with:
      encryptionPassword: 2026 backup key
      newHint: 2027 backup key
      password: "${{ secret('BACKUP_KEY_2027') }}"`,
		risk:       RiskMaintenance,
		collection: "/api/v1/encryptionPasswords",
		ref:        "encryptionPassword",
		refDoc:     "Hint or id of the encryption password.",
		nameField:  "hint",
		operation:  "changepassword",
		vendorBody: true,
		// The vendor's hint is the new one; the current hint names the
		// password to change (encryptionPassword).
		rename: map[string]string{"hint": "newHint"},
		fill: map[string]fillValue{"hint": {doc: "vplay sends the current hint when it is left out.",
			value: func(obj Doc) any { return str(obj, "hint") }}},
		refine: map[string]map[string]any{
			"password": {"minLength": 1, "description": "The new password: write ${{ secret('NAME') }}."},
			"newHint":  {"minLength": 1, "description": "The new hint (the vendor's hint field)."},
		},
	}.action()
}
