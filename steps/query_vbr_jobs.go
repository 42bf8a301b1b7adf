package steps

// vbrJobs is the vbr.jobs query.
func vbrJobs() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.jobs",
			Summary: "Jobs of every type (VM, agent, file, object storage backup, backup copy, replica).",
			Doc: `Lists GET /api/v1/jobs (JobModel: id, name, description, type, isDisabled, isHighPriority and the per-type
settings). name and type are pushed down as nameFilter and typeFilter. For the last result and whether a job runs,
use vbr.job_states.`,
			Example: `data:
  disabled_jobs:
    target: vbr
    query: vbr.jobs
    where: isDisabled`,
		},
		path: "/api/v1/jobs",
		params: []vbrParam{
			nameParam,
			typeParam("Job type or types (VSphereBackup, WindowsAgentBackup, LinuxAgentBackup, BackupCopy, ...)."),
		},
	}.query()
}
