#!/usr/bin/env bash
# Builds target/fhir-test-server.jar when it is missing or older than pom.xml or anything under
# src/, otherwise does nothing. Maven's output goes to stderr; the last line on stdout is the
# jar's absolute path. Exits non-zero when the build fails.
#
# Usage: test/fhir-server/build.sh [--force]
#   MVN=/path/to/mvn overrides the Maven command (default: mvn from PATH).
set -euo pipefail

cd "$(dirname "$0")"
dir=$(pwd)
jar="$dir/target/fhir-test-server.jar"

stale=no
if [[ "${1:-}" == "--force" || ! -f "$jar" ]]; then
	stale=yes
elif [[ -n "$(find pom.xml src -newer "$jar" -print -quit)" ]]; then
	stale=yes
fi

if [[ "$stale" == yes ]]; then
	echo "building $jar" >&2
	# unlink instead of letting maven overwrite: a server still running from the old jar keeps
	# its open file and is not disturbed
	rm -f "$jar" "$jar.original"
	"${MVN:-mvn}" -B -q -Dstyle.color=never -DskipTests package >&2
	[[ -f "$jar" ]] || { echo "maven finished but $jar is missing" >&2; exit 1; }
	# maven may leave an up-to-date jar untouched; mark it as built now so the next call is quick
	touch "$jar"
fi

echo "$jar"
