"""The Linux namespace lab, for real: namespaces, lldpd, sshd, socat, netmiko and ansible-playbook.

The session lab holds SKPD edges and Pusat Data servers; the servers answer the commands simpul's
Linux backup and collection send.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from netmiko import BaseConnection, ConnectHandler

from simpul.devices.platforms import platform
from simpul.errors import LabError, PortInUseError
from simpul.lab.netns import (
    NetnsEdge,
    NetnsLab,
    NetnsStatus,
    exec_in,
    lab_mac,
    lldp_neighbors,
    namespace_of,
    netns_down,
    netns_status,
    netns_up,
    restore,
    set_address,
    set_link,
    wait_lldp,
)
from simpul.lab.spec import LabNeighbor

from .conftest import (
    SERVERS,
    free_ports,
    make_lab,
    needs_root,
    sweep_dead_sessions,
    unique_prefix,
    wait_for,
)

pytestmark = [pytest.mark.netns, needs_root]

Lab = tuple[NetnsLab, Path, NetnsStatus]
VENV_BIN = Path(sys.executable).parent


def _ip(cidr: str) -> str:
    return cidr.split("/", maxsplit=1)[0]


def _netmiko(lab: NetnsLab, port: int) -> BaseConnection:
    return ConnectHandler(
        device_type="linux",
        host="127.0.0.1",
        port=port,
        username=lab.username,
        password=lab.password,
        timeout=20,
    )


def _ip_br_addr(lab: NetnsLab, port: int) -> str:
    conn = _netmiko(lab, port)
    try:
        return str(conn.send_command("ip -br addr"))
    finally:
        conn.disconnect()


def _ping(namespace: str, address: str) -> bool:
    out = subprocess.run(
        ["ip", "netns", "exec", namespace, "ping", "-c", "1", "-W", "2", address],
        capture_output=True,
        check=False,
    )
    return out.returncode == 0


def _mac(namespace: str, port: str) -> str:
    out = subprocess.run(
        ["ip", "-n", namespace, "-j", "link", "show", port], capture_output=True, text=True, check=True
    )
    return str(json.loads(out.stdout)[0]["address"])


def test_every_port_has_its_stable_mac(netns_lab: Lab) -> None:
    # a rebuilt lab must not look like changed hardware to backups and LLDP
    lab, _, _ = netns_lab
    p = lab.prefix
    assert _mac(f"{p}core", lab.core.uplink_port) == lab_mac(lab.core.name, lab.core.uplink_port)
    seen = set()
    for e in lab.edges:
        assert _mac(f"{p}{e.name}", e.uplink_port) == lab_mac(e.name, e.uplink_port)
        assert _mac(f"{p}core", e.core_port) == lab_mac(lab.core.name, e.core_port)
        assert _mac(f"{p}lan-{e.skpd}", "eth0") == lab_mac(f"lan-{e.skpd}", "eth0")
        seen |= {lab_mac(e.name, e.uplink_port), lab_mac(e.name, e.lan_port)}
    for srv in lab.servers:
        assert _mac(f"{p}{srv.name}", "eno1") == lab_mac(srv.name, "eno1")
        assert _mac(f"{p}dc", srv.segment_port("eno1")) == lab_mac("dc", srv.segment_port("eno1"))
        seen.add(lab_mac(srv.name, "eno1"))
    assert len(seen) == 2 * len(lab.edges) + len(lab.servers)


def test_status_lists_every_namespace_and_process(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    status = netns_status(state_dir)
    assert status.running, status.problems
    roles = sorted(n.role for n in status.nodes)
    assert roles == sorted(["core", "isp", "dc"] + ["edge", "lan"] * 3 + ["server"] * 2)
    assert all(n.exists for n in status.nodes)
    assert {(p.name, p.device) for p in status.processes} == (
        {("lldpd", lab.core.name)}
        | {(name, e.name) for e in lab.edges for name in ("lldpd", "sshd", "socat")}
        | {(name, s.name) for s in lab.servers for name in ("sshd", "socat")}
    )
    assert status.ssh_ports == {name: port for name, port in lab.ssh_devices()}
    assert set(status.ssh_ports) == {e.name for e in lab.edges} | {name for name, _ in SERVERS}
    assert status.pss_kib > 0
    assert lab.password not in status.model_dump_json()
    assert lab.password not in (state_dir / "netns.json").read_text()


def test_root_namespace_gets_no_address_and_no_interface(netns_lab: Lab) -> None:
    lab, _, _ = netns_lab
    addrs = subprocess.run(["ip", "-br", "addr"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True, check=True).stdout
    for edge in lab.edges:
        assert _ip(edge.p2p_edge_ip) not in addrs and _ip(edge.lan_ip) not in addrs
        assert edge.core_port not in links.split()
    for _, address in SERVERS:
        assert _ip(address) not in addrs
    assert _ip(lab.isp.ip) not in addrs


def test_each_edge_sees_the_core_over_lldp(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    for edge in lab.edges:
        expected = [(edge.uplink_port, lab.core.name, edge.core_port)]

        def seen(
            e: NetnsEdge = edge, want: list[tuple[str, str, str]] = expected
        ) -> list[LabNeighbor] | None:
            got = lldp_neighbors(state_dir, e.name)
            return got if [(n.local_port, n.remote_device, n.remote_port) for n in got] == want else None

        neighbors = wait_for(seen, f"{edge.name} to see {lab.core.name} over LLDP")
        assert neighbors[0].remote_mgmt_ip is not None


def test_wait_lldp_reports_convergence(netns_lab: Lab) -> None:
    _, state_dir, _ = netns_lab
    assert wait_lldp(state_dir, timeout=30)


def test_core_sees_every_edge_over_lldp(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    expected = {(e.core_port, e.name, e.uplink_port) for e in lab.edges}

    def seen() -> set[tuple[str, str, str]] | None:
        got = {
            (n.local_port, n.remote_device, n.remote_port) for n in lldp_neighbors(state_dir, lab.core.name)
        }
        return got if got == expected else None

    assert wait_for(seen, "the core's LLDP neighbours") == expected


def test_netmiko_linux_sees_the_planned_addresses(netns_lab: Lab) -> None:
    lab, _, _ = netns_lab
    for edge in lab.edges:
        conn = _netmiko(lab, edge.ssh_port)
        try:
            assert edge.name in conn.find_prompt()  # each sshd runs in its own UTS namespace
            out = conn.send_command("ip -br addr")
        finally:
            conn.disconnect()
        assert edge.p2p_edge_ip in out and edge.lan_ip in out


# what simpul's backup and LAN collection send to a linux device (the one platform table)
LINUX = platform("linux")
COMMANDS = (*LINUX.backup_commands, *(step.command for step in LINUX.collect))


def test_servers_answer_the_backup_and_collect_commands(netns_lab: Lab) -> None:
    lab, _, _ = netns_lab
    for srv in lab.servers:
        conn = _netmiko(lab, srv.ssh_port)
        try:
            answers = {cmd: str(conn.send_command(cmd)) for cmd in COMMANDS}
            code = conn.send_command("echo rc=$?")
        finally:
            conn.disconnect()
        assert answers["hostname"].strip() == srv.name
        address = srv.ports[0].ip or ""
        assert address in answers["ip -br addr"] and " UP " in answers["ip -br addr"]
        assert "eno1" in answers["ip -d link show"]
        assert str(_iface_net(address)) in answers["ip route show table all"]
        assert "net.ipv4.ip_forward = 0" in answers["sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding"]
        assert "rc=0" in code
        links = json.loads(answers["ip -j link"])
        assert [link["ifname"] for link in links] == ["lo", "eno1"]
        assert links[1]["address"] == lab_mac(srv.name, "eno1")
        addrs = {a["local"] for link in json.loads(answers["ip -j addr"]) for a in link["addr_info"]}
        assert _ip(address) in addrs
        assert json.loads(answers["lldpcli show neighbors -f json0 2>/dev/null || echo '{}'"]) is not None


def _iface_net(cidr: str) -> object:
    import ipaddress

    return ipaddress.ip_interface(cidr).network


def test_servers_share_the_data_centre_segment_and_nothing_else(netns_lab: Lab) -> None:
    lab, _, _ = netns_lab
    first, second = lab.servers
    assert _ping(f"{lab.prefix}{first.name}", _ip(second.ports[0].ip or ""))
    assert not _ping(f"{lab.prefix}{first.name}", _ip(lab.isp.ip))  # no route out of the segment


def test_wrong_password_is_refused(netns_lab: Lab) -> None:
    lab, _, _ = netns_lab
    from netmiko.exceptions import NetmikoAuthenticationException

    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="linux",
            host="127.0.0.1",
            port=lab.edges[0].ssh_port,
            username=lab.username,
            password="not-the-lab-password",
            timeout=10,
        )


def test_ansible_playbook_runs_against_every_edge(netns_lab: Lab, tmp_path: Path) -> None:
    lab, _, _ = netns_lab
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "ssh",
                "ansible_host": "127.0.0.1",
                "ansible_user": lab.username,
                # the password reaches Ansible through the environment, never a file
                "ansible_password": "{{ lookup('ansible.builtin.env', 'SIMPUL_LAB_TEST_PASSWORD') }}",
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            },
            "hosts": {e.name: {"ansible_port": e.ssh_port, "planned": e.p2p_edge_ip} for e in lab.edges},
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "playbook.yml").write_text(
        textwrap.dedent(
            """\
            - hosts: all
              gather_facts: false
              tasks:
                - name: Read addresses
                  ansible.builtin.command: ip -br addr
                  register: addrs
                  changed_when: false
                - name: The planned address is there
                  ansible.builtin.assert:
                    that: planned in addrs.stdout
            """
        )
    )
    env = {
        **os.environ,
        "SIMPUL_LAB_TEST_PASSWORD": lab.password,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_NOCOLOR": "1",
    }
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "inventory.json", "playbook.yml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for edge in lab.edges:
        assert f"{edge.name}" in proc.stdout and "failed=0" in proc.stdout
    assert proc.stdout.count("ok=2") == len(lab.edges)


def test_lans_and_edges_reach_the_isp_through_core(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    isp = _ip(lab.isp.ip)
    for edge in lab.edges:
        assert _ping(namespace_of(state_dir, f"lan-{edge.skpd}"), isp)
        assert _ping(namespace_of(state_dir, edge.name), isp)
    trace = exec_in(namespace_of(state_dir, f"lan-{lab.edges[0].skpd}"), ["ip", "route", "get", isp])
    assert _ip(lab.edges[0].lan_ip) in trace


def test_second_up_is_a_no_op(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    before = netns_status(state_dir)
    again = netns_up(lab, state_dir)
    assert [p.pid for p in again.processes] == [p.pid for p in before.processes]
    assert again.started_at == before.started_at
    assert again.running


def test_a_different_lab_in_the_same_state_dir_is_refused(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    other = lab.model_copy(update={"edges": lab.edges[:1]})
    with pytest.raises(LabError, match="different namespace lab"):
        netns_up(other, state_dir)


def test_missing_link_drift_is_visible_and_clears(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    edge = lab.edges[2]
    lan = namespace_of(state_dir, f"lan-{edge.skpd}")
    set_link(state_dir, edge.name, up=False)
    try:
        link = exec_in(namespace_of(state_dir, edge.name), ["ip", "-br", "link", "show", edge.uplink_port])
        assert " DOWN " in f" {link} "
        wait_for(
            lambda: edge.name not in {n.remote_device for n in lldp_neighbors(state_dir, lab.core.name)},
            "the core to lose its LLDP neighbour",
        )
        assert not _ping(lan, _ip(lab.isp.ip))
    finally:
        set_link(state_dir, edge.name, up=True)
    wait_for(
        lambda: edge.name in {n.remote_device for n in lldp_neighbors(state_dir, lab.core.name)},
        "the core to see the edge again",
    )
    assert wait_for(lambda: _ping(lan, _ip(lab.isp.ip)), "the LAN to reach the ISP again")


def test_changed_ip_drift_is_visible_over_ssh_and_restores(netns_lab: Lab) -> None:
    lab, state_dir, _ = netns_lab
    edge = lab.edges[1]
    set_address(state_dir, edge.name, edge.lan_port, "10.20.99.1/24")
    try:
        out = _ip_br_addr(lab, edge.ssh_port)
        assert "10.20.99.1/24" in out and edge.lan_ip not in out
    finally:
        restore(state_dir)
    out = _ip_br_addr(lab, edge.ssh_port)
    assert edge.lan_ip in out and "10.20.99.1" not in out
    assert _ping(namespace_of(state_dir, f"lan-{edge.skpd}"), _ip(lab.isp.ip))


def test_drift_on_an_unknown_device_is_a_lab_error(netns_lab: Lab) -> None:
    _, state_dir, _ = netns_lab
    with pytest.raises(LabError, match="not an edge"):
        set_link(state_dir, "rtr-nowhere", up=False)
    with pytest.raises(LabError, match="no device"):
        lldp_neighbors(state_dir, "rtr-nowhere")


def test_down_removes_every_namespace_and_process_and_is_safe_twice(tmp_path: Path) -> None:
    lab = make_lab(unique_prefix("d"), [("rtr-dpmd", "dpmd", 9)])
    status = netns_up(lab, tmp_path)
    assert status.running, status.problems
    pids = [p.pid for p in status.processes]
    port = lab.edges[0].ssh_port
    assert netns_down(tmp_path) is True
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert not any(line.startswith(lab.prefix) for line in listed.splitlines())
    for pid in pids:  # gone or at most a zombie waiting for an init that does not reap
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert netns_status(tmp_path).phase == "down"
    assert netns_down(tmp_path) is False


def test_up_rebuilds_a_lab_whose_process_died(tmp_path: Path) -> None:
    lab = make_lab(unique_prefix("r"), [("rtr-dpkp", "dpkp", 13)])
    try:
        first = netns_up(lab, tmp_path)
        socat = next(p for p in first.processes if p.name == "socat")
        os.kill(socat.pid, signal.SIGTERM)  # a process this test's lab started, by its pid
        wait_for(lambda: not netns_status(tmp_path).running, "the status to notice the dead forwarder")
        assert any("socat" in problem for problem in netns_status(tmp_path).problems)
        again = netns_up(lab, tmp_path)
        assert again.running, again.problems
        assert socat.pid not in [p.pid for p in again.processes]
        assert edge_answers(lab)
    finally:
        netns_down(tmp_path)


def edge_answers(lab: NetnsLab) -> bool:
    return lab.edges[0].p2p_edge_ip in _ip_br_addr(lab, lab.edges[0].ssh_port)


def test_a_taken_forwarder_port_is_a_port_in_use_error(tmp_path: Path) -> None:
    lab = make_lab(unique_prefix("p"), [("rtr-bkd", "bkd", 11)])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", lab.edges[0].ssh_port))
        sock.listen()
        with pytest.raises(PortInUseError, match=str(lab.edges[0].ssh_port)) as err:
            netns_up(lab, tmp_path)
    assert err.value.exit_code == 2
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert not any(line.startswith(lab.prefix) for line in listed.splitlines())
    assert not (tmp_path / "netns.json").exists()


def test_without_root_up_is_a_lab_error(tmp_path: Path) -> None:
    """Runs the real API as `nobody` (setpriv), no flag forcing the check."""
    script = textwrap.dedent(
        """\
        import sys
        from pathlib import Path
        from simpul.errors import LabError
        from simpul.lab.netns import NetnsLab, netns_up
        try:
            netns_up(NetnsLab(password="x" * 12), Path(sys.argv[1]))
        except LabError as err:
            print(err.code, err.message)
            sys.exit(3)
        """
    )
    tmp_path.chmod(0o777)
    proc = subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            script,
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith("E4001") and "needs root" in proc.stdout
    assert not (tmp_path / "state").exists()


def _namespaces_of(prefix: str) -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listed.splitlines() if line.startswith(prefix)]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_leftovers_of_a_lab_whose_state_dir_vanished_are_swept(tmp_path: Path) -> None:
    """A lab whose state was deleted (or lost) while it ran: the next up with its prefix clears it."""
    prefix = unique_prefix("k")
    old = make_lab(prefix, [("rtr-dpmd", "dpmd", 9)], [("srv-ntp-01", "10.10.0.27/24")])
    first = netns_up(old, tmp_path / "first")
    new = make_lab(prefix, [("rtr-dpmd", "dpmd", 9)], [("srv-ntp-01", "10.10.0.27/24")])  # other ports
    forwarders = [p.pid for p in first.processes if p.name == "socat"]
    import shutil

    shutil.rmtree(tmp_path / "first")
    try:
        status = netns_up(new, tmp_path / "second")
        assert status.running, status.problems
        for pid in forwarders:
            stat = Path(f"/proc/{pid}/stat")
            assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        assert not any(_listening(port) for _, port in old.ssh_devices())
        assert all(_listening(port) for _, port in new.ssh_devices())
        assert sorted(_namespaces_of(prefix)) == sorted(n.namespace for n in status.nodes)
    finally:
        netns_down(tmp_path / "second")
    assert _namespaces_of(prefix) == []


def test_a_live_lab_keeps_its_prefix(tmp_path: Path) -> None:
    prefix = unique_prefix("o")
    lab = make_lab(prefix, [("rtr-dpmd", "dpmd", 9)])
    other = make_lab(prefix, [("rtr-bkd", "bkd", 11)])
    netns_up(lab, tmp_path / "first")
    try:
        with pytest.raises(LabError, match="belongs to the lab running from") as err:
            netns_up(other, tmp_path / "second")
        assert str(tmp_path / "first") in err.value.message
        assert netns_status(tmp_path / "first").running
    finally:
        netns_down(tmp_path / "first")


def test_a_killed_session_leaves_nothing_the_next_one_keeps(tmp_path: Path) -> None:
    """A process that started a lab and died (as a killed pytest session): swept by its dead pid."""
    script = textwrap.dedent(
        """\
        import os, secrets, sys
        from pathlib import Path
        from simpul.lab.netns import NetnsEdge, NetnsLab, NetnsServer, netns_up
        edge_port, server_port = int(sys.argv[2]), int(sys.argv[3])
        lab = NetnsLab(
            prefix=f"s{os.getpid()}-", password=secrets.token_urlsafe(12),
            edges=(NetnsEdge.demo("rtr-dpmd", "dpmd", 9, edge_port),),
            servers=(NetnsServer(name="srv-ntp-01", ssh_port=server_port),),
        )
        print(netns_up(lab, Path(sys.argv[1])).prefix, flush=True)
        os._exit(0)  # no teardown: the daemons live on, as after a kill -9
        """
    )
    port, server_port = free_ports(2)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "killed"), str(port), str(server_port)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    prefix = done.stdout.strip().splitlines()[-1]
    assert _namespaces_of(prefix) and _listening(port)
    swept = sweep_dead_sessions()
    assert f"{prefix}rtr-dpmd" in swept
    assert _namespaces_of(prefix) == []
    assert not _listening(port) and not _listening(server_port)
