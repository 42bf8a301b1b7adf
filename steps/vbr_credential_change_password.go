package steps

// vbrCredentialChangePassword is the vbr.credential.change_password action.
func vbrCredentialChangePassword() *Action {
	return objectAction{
		name:    "vbr.credential.change_password",
		what:    "credentials record",
		summary: "Change the password of a credentials record (from secret(), never shown).",
		doc: `Sets a new password on a credentials record: POST /credentials/{id}/changepassword with the vendor
CredentialsPasswordChangeSpec. This is how a vbr.credential password is rotated: the server never returns passwords,
so a playbook cannot diff them. Write password as ${{ secret('NAME') }}: it is then masked in plans, logs,
journals and errors; the step result holds only the record. The record is named by its username (or id).`,
		example: `steps:
  - id: rotate_root
    action: vbr.credential.change_password
    target: vbr
    with:
      credential: root
      password: "${{ secret('LINUX_ROOT_PASSWORD') }}"`,
		risk:       RiskMaintenance,
		collection: "/api/v1/credentials",
		ref:        "credential",
		refDoc:     "Username or id of the credentials record.",
		nameField:  "username",
		operation:  "changepassword",
		vendorBody: true,
		refine: map[string]map[string]any{
			"password": {"minLength": 1, "description": "The new password: write ${{ secret('NAME') }}."},
		},
	}.action()
}
