#!/usr/bin/env bash
# The main job on the built-in lab: boot NetBox + the demo regency + its devices, take a first
# config backup, plant a LAN drift scenario and a hand-made config change, back up again (only the
# changed device is committed, and its diff shows), audit every SKPD LAN against its submitted
# diagram, and print where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-undocumented-switch}
simpul=.venv/bin/simpul

$simpul lab up
eval "$($simpul lab env)"
$simpul lab drift clear >/dev/null
echo "== first backup of every network device"
$simpul backup configs --role core-router --role distribution --role skpd-edge --role access-switch || true
echo "== planting drift: $scenario, and a line someone added by hand on rtr-dinkes"
$simpul lab drift apply --scenario "$scenario"
$simpul lab drift apply --scenario changed-config-line
echo "== nightly backup again: only what changed is committed"
$simpul backup configs --role core-router --role distribution --role skpd-edge --role access-switch || true
echo "== what changed on rtr-dinkes since its last backup"
$simpul backup diff rtr-dinkes || true
echo "== auditing every SKPD LAN against its submitted diagram"
report=${SIMPUL_REPORT_DIR:-$PWD/reports/$(date +%Y-%m-%d)}
$simpul lan audit --report "$report" --fail-on high || true
echo
echo "Report: $report/index.html"
