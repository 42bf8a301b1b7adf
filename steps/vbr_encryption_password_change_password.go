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
		props: map[string]any{
			"password": map[string]any{"type": "string", "minLength": 1, "description": "The new password: write ${{ secret('NAME') }}."},
			"newHint":  map[string]any{"type": "string", "minLength": 1, "description": "The new hint (default: the current one)."},
		},
		required: []string{"password"},
		body: func(with, obj Doc) Doc {
			hint := str(with, "newHint")
			if hint == "" {
				hint = str(obj, "hint")
			}
			return Doc{"hint": hint, "password": with["password"]}
		},
	}.action()
}
