"""Known failures of the SDK conformance suite, each with its exact symptom.

KNOWN_BUGS are gateway bugs: strict xfails in gateway mode, so a fix shows up as XPASS (a failure of
the run) and its entry must then be deleted. MOCK_GAPS are limits of the mock provider (not the
gateway), applied in both modes. An entry matches a test by function name (`test`) and by every other
key given (`route`, `inbound`, `stream`, ...: pytest parameters; `inbound` also matches a module's
INBOUND); keys left out match anything. `reason` is the symptom a reader of the run sees.
"""

KNOWN_BUGS: list[dict] = []

MOCK_GAPS: list[dict] = []
