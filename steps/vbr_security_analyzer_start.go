package steps

// vbrSecurityAnalyzerStart is the vbr.security_analyzer.start action.
func vbrSecurityAnalyzerStart() *Action {
	return objectAction{
		name:    "vbr.security_analyzer.start",
		what:    "security analyzer",
		summary: "Run the Security & Compliance Analyzer now and await its session.",
		doc: `Starts the best-practice analysis: POST /securityAnalyzer/start (defined from 1.2-rev1). The server answers
with a SecurityComplianceAnalyzer session, which is awaited; the findings are then read with GET
/securityAnalyzer/bestPractices (a data query or the http action).`,
		example: `steps:
  - id: analyze
    action: vbr.security_analyzer.start
    target: vbr`,
		risk:        RiskRead,
		operation:   "/api/v1/securityAnalyzer/start",
		sessionType: "SecurityComplianceAnalyzer",
	}.action()
}
