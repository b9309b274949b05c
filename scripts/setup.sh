#!/usr/bin/env bash
# Install everything simpul needs on a fresh Debian 12 machine: system packages (when root),
# the project venv (.venv, Python >= 3.11) and simpul itself with the dev, lab and vps extras
# (SIMPUL_EXTRAS, default "dev,lab,vps"). The NetBox lab's own Python 3.12 venv and migrated database
# are cached under ~/.cache/simpul; on a fresh machine they are made in the background while .venv
# installs. Safe to run again: it only installs what is missing, and says what it is doing while
# it takes time.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  redis-server lldpd iperf3 openssh-server graphviz socat sshpass iputils-ping git postgresql-15 procps iproute2
  restic rclone mariadb-server mariadb-client postgresql-client-15   # SKPD data backups (docs/data-backups.md)
  libvirt-daemon-system libvirt-clients libvirt-dev pkg-config qemu-system-x86 qemu-utils genisoimage
  debvm mmdebstrap                                                    # VPS (docs/vps.md)
  chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0       # report: browser check, PDF (docs/report.md)
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

PY=${PYTHON:-python3}
extras=${SIMPUL_EXTRAS:-dev,lab,vps}
stamp=.venv/.simpul-installed

# The NetBox lab's cache (its own Python 3.12 venv and a migrated database: ~8 minutes, once per
# machine) needs nothing from .venv, only the standard library: start making it now, in the
# background, while .venv installs. `simpul lab up` and the test suite wait for it, showing progress.
if [[ $extras == *lab* ]] && ! PYTHONPATH=$PWD "$PY" -m simpul.lab.netbox_lab ready 2>/dev/null; then
  log=${TMPDIR:-/tmp}/simpul-netbox-prepare.log
  PYTHONPATH=$PWD nohup "$PY" -m simpul.lab.netbox_lab prepare >"$log" 2>&1 &
  echo "setup: preparing the NetBox lab cache in the background (pid $!, progress in $log)"
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating the project venv (.venv) with $("$PY" --version 2>&1)"
  "$PY" -m venv .venv
fi
# Reinstall when pyproject.toml changed or other extras are asked for (the stamp holds them).
if [[ ! -f $stamp || pyproject.toml -nt $stamp || "$(cat "$stamp")" != "$extras" ]]; then
  echo "setup: installing simpul[$extras] into .venv (first time: about 2-3 minutes, ansible is large)"
  t0=$SECONDS
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[$extras]"
  echo "$extras" >"$stamp"
  echo "setup: .venv ready in $((SECONDS - t0)) s"
fi
echo "setup: ok (.venv/bin/simpul)"
