#!/usr/bin/env bash
# The main job on the built-in lab: boot NetBox + the demo regency + all 78 of its devices, take a
# first config backup and a compliance check against the intended configs, plant a LAN drift
# scenario, a hand-made config change and an NTP drift, back up again (only the changed devices are
# committed, and a diff shows), check compliance again and show the push that would fix it (dry run),
# audit every SKPD LAN against its submitted diagram, and print where the report is; then the Pusat
# Data: the demo's VPS in NetBox next to the lab's libvirtd and the plan to create them (dry run: no
# guest ever boots in the demo), the SKPD data backups run now, a restore drill and the supervision
# table; then the nightly job twice, with the drift changed in between, and its report over time.
# Everything runs on this machine (127.0.0.1 and the lab's own network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-undocumented-switch}
simpul=.venv/bin/simpul
t0=$SECONDS

# --no-drift: a demo run after an earlier one starts again from what NetBox says
$simpul lab up --no-drift
eval "$($simpul lab env)"
echo "== first backup of every device"
$simpul backup configs || true
echo "== intended configs from NetBox: a fresh lab is compliant in every feature"
$simpul intended check || true
echo "== planting drift: $scenario, a line someone added by hand on rtr-dinkes, an NTP server changed"
$simpul lab drift apply --scenario "$scenario" --scenario changed-config-line --scenario ntp-drift
echo "== nightly backup again: only what changed is committed"
$simpul backup configs || true
echo "== what changed on rtr-dinkes since its last backup"
$simpul backup diff rtr-dinkes || true
echo "== compliance from the fresh backups (no device touched), and the push it would make (dry run)"
$simpul intended check || true
$simpul intended push --device rtr-dinkes || true
echo "== auditing every SKPD LAN against its submitted diagram"
report=${SIMPUL_REPORT_DIR:-$PWD/reports/$(date +%Y-%m-%d)}
# the audit prints where the report is
$simpul lan audit --report "$report" --fail-on high || true
wide="env COLUMNS=${COLUMNS:-150}"  # the Pusat Data tables are wide: one line per VPS / SKPD
echo "== VPS in the Pusat Data (Pasal 14 ayat 8): what NetBox asks for, next to the lab's hypervisor"
$wide $simpul vps list || true
echo "== the plan that would make the hypervisor hold it (dry run: nothing is defined, nothing boots)"
$wide $simpul vps apply || true
# the three SKPD with servers of their own in the demo (the other SKPD's VPS are not in service yet)
backed_up=(--skpd disdukcapil --skpd disdik --skpd dinkes)
echo "== SKPD data backups to the Pusat Data (Pasal 16 ayat 1): their servers' agents run now"
$wide $simpul backup data run --commit "${backed_up[@]}" || true
echo "== restore drill (Disdukcapil): latest backup restored, files proved, each database dump loaded and queried"
$wide $simpul backup data drill --skpd disdukcapil || true  # kritis: files, PostgreSQL, MariaDB
echo "== supervision (Pasal 16 ayat 2): every SKPD of the regency against its backup policy"
$wide $simpul backup data status || true
# The nightly job runs all of the above in one go and keeps the history: run it twice, with the
# drift changed in between, so its report shows a trend and what changed since the last run.
nightly=${SIMPUL_REPORT_DIR:-$PWD/reports}/nightly
echo "== the nightly job, run 1: every stage, every obligation of the Perbup per SKPD (the drift above is still there)"
$wide $simpul nightly --report "$nightly" || true
echo "== drift repaired, another planted (a VLAN renumbered in disdik)"
$simpul lab drift clear
$simpul lab drift apply --scenario changed-vlan
echo "== the nightly job, run 2: repaired findings resolved, new ones open"
$wide $simpul nightly --report "$nightly" || true
$wide $simpul report history --skpd disdik || true
echo "nightly report (history, trend, what changed): $nightly/index.html; summary for the Bupati: $nightly/summary.pdf"
echo "demo done in $((SECONDS - t0)) s; the lab keeps running (simpul lab down stops it)"
