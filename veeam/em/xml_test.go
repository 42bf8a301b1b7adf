package em

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
)

func TestDecodeXML(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		want veeam.Doc
	}{
		"task with result": {
			in: `<?xml version="1.0"?><Task xmlns="http://www.veeam.com/ent/v1.0" Type="Task" Href="https://em/api/tasks/task-1">
 <Links><Link Rel="Delete" Type="Task" Href="https://em/api/tasks/task-1" /></Links>
 <TaskId>task-1</TaskId><State>Finished</State><Operation>RetryAgentJob</Operation>
 <Result Success="true"><Message>Job "Oracle Backup" triggered to retry.</Message></Result></Task>`,
			want: veeam.Doc{"Type": "Task", "Href": "https://em/api/tasks/task-1",
				"Links":  []any{map[string]any{"Rel": "Delete", "Type": "Task", "Href": "https://em/api/tasks/task-1"}},
				"TaskId": "task-1", "State": "Finished", "Operation": "RetryAgentJob",
				"Result": map[string]any{"Success": "true", "Message": `Job "Oracle Backup" triggered to retry.`}},
		},
		"entity references": {
			in:   `<EntityReferences xmlns="http://www.veeam.com/ent/v1.0"><Ref UID="a" Name="A"/><Ref UID="b" Name="B"/></EntityReferences>`,
			want: veeam.Doc{"Ref": []any{map[string]any{"UID": "a", "Name": "A"}, map[string]any{"UID": "b", "Name": "B"}}},
		},
		"error": {
			in:   `<Error xmlns="http://www.veeam.com/ent/v1.0" Message="Task task-9 not found" StatusCode="404" Status="NotFound"/>`,
			want: veeam.Doc{"Message": "Task task-9 not found", "StatusCode": "404", "Status": "NotFound"},
		},
		"supported versions list": {
			in:   `<EnterpriseManager><SupportedVersions><SupportedVersion Name="v1_6"/><SupportedVersion Name="v1_7"/></SupportedVersions></EnterpriseManager>`,
			want: veeam.Doc{"SupportedVersions": []any{map[string]any{"Name": "v1_6"}, map[string]any{"Name": "v1_7"}}},
		},
		"empty": {in: "", want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeXML([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decodeXML (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := decodeXML([]byte("<Task><State>")); err == nil {
		t.Error("decodeXML(truncated) = nil error")
	}
}

func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte(`<Task Type="Task"><Links><Link Rel="x"/></Links><TaskId>task-1</TaskId></Task>`))
	f.Add([]byte(`<a><b/><b/><c>t</c></a>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeXML(b) // must not panic
	})
}
