#!/usr/bin/env bash
# End-to-end check of the FHIR test server: builds the jar if needed, starts it on a free
# loopback port with an H2 file database in a temporary directory, exercises the features the
# tests rely on, restarts it (SIGTERM, then start again on the same file) and checks that the
# data survived, then wipes everything with $expunge.
#
# Usage: test/fhir-server/smoke.sh      (needs java 17, mvn, curl, jq, python3)
#        SMOKE_KEEP=1 keeps the temporary directory (database files, server.log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar=$("$here/build.sh" | tail -n 1)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port/fhir"
db_url="jdbc:h2:file:$work/hapi"
server_pid=""

stop_server() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid"
		for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
		if kill -0 "$server_pid" 2>/dev/null; then
			echo "server did not stop on SIGTERM within 20 s" >&2
			kill -KILL "$server_pid"
		fi
	fi
	server_pid=""
}
cleanup() {
	local rc=$?
	stop_server
	if ((rc != 0)) && [[ -f "$work/server.log" ]]; then
		echo "--- last lines of the server log ---" >&2
		tail -n 40 "$work/server.log" >&2
	fi
	if [[ -n "${SMOKE_KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_server() {
	local t0=$SECONDS
	java -Xms256m -Xmx1536m -jar "$jar" --server.port="$port" --server.address=127.0.0.1 \
		--spring.datasource.url="$db_url" >>"$work/server.log" 2>&1 &
	server_pid=$!
	until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metadata")" == 200 ]]; do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			cat "$work/server.log" >&2
			fail "server exited during start"
		fi
		((SECONDS - t0 < 180)) || fail "no 200 from /metadata within 180 s"
		sleep 0.5
	done
	echo "server up in $((SECONDS - t0)) s (pid $server_pid, rss $(($(ps -o rss= -p "$server_pid") / 1024)) MiB)"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() { # check <description> <expected> <actual>
	if [[ "$2" == "$3" ]]; then echo "ok   $1"; else fail "$1: expected '$2', got '$3'"; fi
}
get() { curl -sf "$base/$1"; }
send() { # send <method> <path> <json>
	curl -sf -X "$1" "$base/$2" -H 'Content-Type: application/fhir+json' --data-binary "$3"
}
total() { get "$1" | jq -r '.total'; }

MRN='urn:oid:1.2.3.4.5|MRN-001'
TX=$(
	cat <<'EOF'
{ "resourceType": "Bundle", "type": "transaction", "entry": [
  { "fullUrl": "urn:uuid:5d0a5f8e-1b7a-4c57-9b0e-000000000001",
    "resource": { "resourceType": "Patient",
      "identifier": [{ "system": "urn:oid:1.2.3.4.5", "value": "MRN-001" }],
      "name": [{ "family": "Tester", "given": ["Pat"] }], "birthDate": "1970-01-01" },
    "request": { "method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:oid:1.2.3.4.5|MRN-001" } },
  { "fullUrl": "urn:uuid:5d0a5f8e-1b7a-4c57-9b0e-000000000002",
    "resource": { "resourceType": "Observation", "status": "final",
      "identifier": [{ "system": "urn:smoke:obs", "value": "OBS-1" }],
      "code": { "coding": [{ "system": "http://loinc.org", "code": "718-7" }] },
      "subject": { "reference": "urn:uuid:5d0a5f8e-1b7a-4c57-9b0e-000000000001" },
      "valueQuantity": { "value": 13.2, "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "g/dL" } },
    "request": { "method": "PUT", "url": "Observation?identifier=urn:smoke:obs|OBS-1" } },
  { "resource": { "resourceType": "DiagnosticReport", "status": "final",
      "identifier": [{ "system": "urn:smoke:report", "value": "REP-1" }],
      "code": { "coding": [{ "system": "http://loinc.org", "code": "58410-2" }] },
      "subject": { "reference": "Patient?identifier=urn:oid:1.2.3.4.5|MRN-001" },
      "result": [{ "reference": "urn:uuid:5d0a5f8e-1b7a-4c57-9b0e-000000000002" }] },
    "request": { "method": "POST", "url": "DiagnosticReport", "ifNoneExist": "identifier=urn:smoke:report|REP-1" } }
] }
EOF
)

start_server
check "metadata is FHIR 4.0.1" 4.0.1 "$(get metadata | jq -r .fhirVersion)"

# --- writes ----------------------------------------------------------------------------------
check "transaction, first run" '201,201,201' \
	"$(send POST '' "$TX" | jq -r '[.entry[].response.status | split(" ")[0]] | join(",")')"
check "transaction, second run (matches, no new resources)" '200,200,200' \
	"$(send POST '' "$TX" | jq -r '[.entry[].response.status | split(" ")[0]] | join(",")')"
check "one Patient" 1 "$(total "Patient?identifier=$MRN&_summary=count")"
check "one Observation" 1 "$(total 'Observation?_summary=count')"
check "one DiagnosticReport" 1 "$(total 'DiagnosticReport?_summary=count')"
pid=$(get "Patient?identifier=$MRN" | jq -r '.entry[0].resource.id')
check "conditional reference resolved in transaction" "Patient/$pid" \
	"$(get 'DiagnosticReport?identifier=urn:smoke:report|REP-1' | jq -r '.entry[0].resource.subject.reference')"

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/Observation" -H 'Content-Type: application/fhir+json' \
	--data '{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/does-not-exist"}}')
check "reference to a missing Patient rejected" 400 "$code"

check "client-assigned id (PUT Patient/p4711)" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$base/Patient/p4711" -H 'Content-Type: application/fhir+json' \
		--data '{"resourceType":"Patient","id":"p4711"}')"
check "server-assigned id is a UUID" 36 "$(send POST Patient '{"resourceType":"Patient"}' | jq -r '.id | length')"

# same search before and after a write: must not be served from a cache
check "search before write" 1 "$(total 'Observation?code=http://loinc.org|718-7')"
send POST Observation "{\"resourceType\":\"Observation\",\"status\":\"final\",
	\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"718-7\"}]},\"subject\":{\"reference\":\"Patient/$pid\"}}" >/dev/null
check "same search after write sees it" 2 "$(total 'Observation?code=http://loinc.org|718-7')"

# --- search ----------------------------------------------------------------------------------
check "chained search (unencoded |)" 2 "$(total "Observation?subject:Patient.identifier=$MRN")"
check "_has" "$pid" \
	"$(get 'Patient?_has:Observation:subject:code=http://loinc.org|718-7' | jq -r '[.entry[].resource.id] | join(",")')"
check "_include" "DiagnosticReport:match,Observation:include" \
	"$(get 'DiagnosticReport?_include=DiagnosticReport:result' | jq -r '[.entry[] | .resource.resourceType + ":" + .search.mode] | sort | join(",")')"
check "_revinclude" "Observation:include,Observation:include,Patient:match" \
	"$(get "Patient?identifier=$MRN&_revinclude=Observation:subject" | jq -r '[.entry[] | .resource.resourceType + ":" + .search.mode] | sort | join(",")')"
check "_elements drops other elements" "null" \
	"$(get "Patient?identifier=$MRN&_elements=identifier" | jq -c '.entry[0].resource.name')"
check "_summary=count has no entries" "3 null" \
	"$(get 'Patient?_summary=count' | jq -r '"\(.total) \(.entry)"')"
check "Patient/\$everything" "DiagnosticReport,Observation,Observation,Patient" \
	"$(get "Patient/$pid/\$everything" | jq -r '[.entry[].resource.resourceType] | sort | join(",")')"

# --- $validate against an uploaded profile ---------------------------------------------------
profile_url='http://example.org/fhir/StructureDefinition/smoke-patient'
differential=$(
	cat <<EOF
{ "resourceType": "StructureDefinition", "id": "smoke-patient", "url": "$profile_url",
  "name": "SmokePatient", "status": "active", "fhirVersion": "4.0.1", "kind": "resource",
  "abstract": false, "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "differential": { "element": [
    { "id": "Patient", "path": "Patient" },
    { "id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1 } ] } }
EOF
)
# let HAPI compute the snapshot, then store the full StructureDefinition like the tests do
profile=$(send POST 'StructureDefinition/$snapshot' \
	"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"definition\",\"resource\":$differential}]}")
check "snapshot generated" 1 "$(jq -r '[.snapshot.element[] | select(.path == "Patient.birthDate") | .min][0]' <<<"$profile")"
send PUT StructureDefinition/smoke-patient "$profile" >/dev/null

errors() { jq -r '[.issue[] | select(.severity == "error" or .severity == "fatal") | .diagnostics] | join(" / ")'; }
check "\$validate?profile= reports the violation" "Patient.birthDate: minimum required = 1, but only found 0 (from $profile_url)" \
	"$(send POST "Patient/\$validate?profile=$profile_url" '{"resourceType":"Patient","gender":"female"}' | errors)"
check "\$validate honours meta.profile" "Patient.birthDate: minimum required = 1, but only found 0 (from $profile_url)" \
	"$(send POST 'Patient/$validate' "{\"resourceType\":\"Patient\",\"meta\":{\"profile\":[\"$profile_url\"]}}" | errors)"
check "\$validate passes a conforming Patient" "" \
	"$(send POST "Patient/\$validate?profile=$profile_url" '{"resourceType":"Patient","birthDate":"1980-02-03"}' | errors)"
check "writes are not validated against the profile" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/Patient" -H 'Content-Type: application/fhir+json' \
		--data "{\"resourceType\":\"Patient\",\"meta\":{\"profile\":[\"$profile_url\"]}}")"

curl -sf -o /dev/null -X DELETE "$base/StructureDefinition/smoke-patient"
check "deleted profile no longer used" "Invalid profile. Failed to retrieve profile with url=$profile_url" \
	"$(send POST "Patient/\$validate?profile=$profile_url" '{"resourceType":"Patient"}' | errors)"
send PUT StructureDefinition/smoke-patient "$profile" >/dev/null

# --- persistence across a restart ------------------------------------------------------------
stop_server
echo "stopped with SIGTERM; starting again on $db_url"
start_server
check "Patients after restart" 4 "$(total 'Patient?_summary=count')"
check "Observations after restart" 2 "$(total 'Observation?_summary=count')"
check "profile still used after restart" "Patient.birthDate: minimum required = 1, but only found 0 (from $profile_url)" \
	"$(send POST "Patient/\$validate?profile=$profile_url" '{"resourceType":"Patient"}' | errors)"

# --- reset -----------------------------------------------------------------------------------
send POST '$expunge' '{"resourceType":"Parameters","parameter":[{"name":"expungeEverything","valueBoolean":true}]}' >/dev/null
check "\$expunge: no Patients left" 0 "$(total 'Patient?_summary=count')"
check "\$expunge: no Observations left" 0 "$(total 'Observation?_summary=count')"
check "\$expunge: StructureDefinition gone" 0 "$(total 'StructureDefinition?_summary=count')"
check "after \$expunge the profile is unknown to \$validate" "Invalid profile. Failed to retrieve profile with url=$profile_url" \
	"$(send POST "Patient/\$validate?profile=$profile_url" '{"resourceType":"Patient"}' | errors)"
check "after \$expunge the id can be used again" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$base/Patient/p4711" -H 'Content-Type: application/fhir+json' \
		--data '{"resourceType":"Patient","id":"p4711"}')"
check "transaction after \$expunge" '201,201,201' \
	"$(send POST '' "$TX" | jq -r '[.entry[].response.status | split(" ")[0]] | join(",")')"

stop_server
echo "all checks passed"
