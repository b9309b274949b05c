#!/bin/sh
# simpul bandwidth plan for Linux tc (HTB)
# upload: HTB on the egress of up0, classified by SKPD source prefix
# download: ingress of up0 redirected (mirred) to ifb0, HTB there by destination prefix
# capacity 50000kbit, sum CIR 45000kbit, sum MIR 115000kbit
set -e
UPLINK=up0
IFB=ifb0

tc qdisc del dev "$UPLINK" root 2>/dev/null || true
tc qdisc del dev "$UPLINK" ingress 2>/dev/null || true
ip link show "$IFB" >/dev/null 2>&1 || ip link add "$IFB" type ifb
ip link set "$IFB" up
tc qdisc del dev "$IFB" root 2>/dev/null || true

# upload: one hierarchy, the uplink is the root, each SKPD borrows up to its MIR
tc qdisc add dev "$UPLINK" root handle 1: htb default fff
tc class add dev "$UPLINK" parent 1: classid 1:1 htb rate 50000kbit ceil 50000kbit quantum 200000
tc class add dev "$UPLINK" parent 1:1 classid 1:10 htb rate 20000kbit ceil 50000kbit quantum 200000  # bappeda
tc filter add dev "$UPLINK" parent 1: protocol ip prio 1 u32 match ip src 10.20.5.0/24 flowid 1:10
tc filter add dev "$UPLINK" parent 1: protocol ip prio 1 u32 match ip src 10.21.5.0/24 flowid 1:10
tc class add dev "$UPLINK" parent 1:1 classid 1:11 htb rate 15000kbit ceil 25000kbit quantum 187500  # dinkes
tc filter add dev "$UPLINK" parent 1: protocol ip prio 1 u32 match ip src 10.20.4.0/24 flowid 1:11
tc class add dev "$UPLINK" parent 1:1 classid 1:12 htb rate 10000kbit ceil 40000kbit quantum 125000  # disdik
tc filter add dev "$UPLINK" parent 1: protocol ip prio 1 u32 match ip src 10.20.3.0/24 flowid 1:12
tc class add dev "$UPLINK" parent 1:1 classid 1:fff htb rate 5000kbit ceil 50000kbit quantum 62500 prio 7  # unclassified

# download: one hierarchy, the uplink is the root, each SKPD borrows up to its MIR
tc qdisc add dev "$IFB" root handle 1: htb default fff
tc class add dev "$IFB" parent 1: classid 1:1 htb rate 50000kbit ceil 50000kbit quantum 200000
tc class add dev "$IFB" parent 1:1 classid 1:10 htb rate 20000kbit ceil 50000kbit quantum 200000  # bappeda
tc filter add dev "$IFB" parent 1: protocol ip prio 1 u32 match ip dst 10.20.5.0/24 flowid 1:10
tc filter add dev "$IFB" parent 1: protocol ip prio 1 u32 match ip dst 10.21.5.0/24 flowid 1:10
tc class add dev "$IFB" parent 1:1 classid 1:11 htb rate 15000kbit ceil 25000kbit quantum 187500  # dinkes
tc filter add dev "$IFB" parent 1: protocol ip prio 1 u32 match ip dst 10.20.4.0/24 flowid 1:11
tc class add dev "$IFB" parent 1:1 classid 1:12 htb rate 10000kbit ceil 40000kbit quantum 125000  # disdik
tc filter add dev "$IFB" parent 1: protocol ip prio 1 u32 match ip dst 10.20.3.0/24 flowid 1:12
tc class add dev "$IFB" parent 1:1 classid 1:fff htb rate 5000kbit ceil 50000kbit quantum 62500 prio 7  # unclassified
tc qdisc add dev "$UPLINK" handle ffff: ingress
tc filter add dev "$UPLINK" parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev "$IFB"

