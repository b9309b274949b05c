# simpul bandwidth plan for MikroTik RouterOS (queue tree, one address list per SKPD)
# uplink ether1: capacity 50000k, sum CIR 45000k, sum MIR 115000k
/ip firewall address-list
add list=simpul-bw-bappeda address=10.20.5.0/24 comment="simpul-bw Bappeda"
add list=simpul-bw-bappeda address=10.21.5.0/24 comment="simpul-bw Bappeda"
add list=simpul-bw-dinkes address=10.20.4.0/24 comment="simpul-bw Dinas Kesehatan"
add list=simpul-bw-disdik address=10.20.3.0/24 comment="simpul-bw Dinas Pendidikan"
/ip firewall mangle
add chain=forward out-interface=ether1 src-address-list=simpul-bw-bappeda action=mark-packet new-packet-mark=simpul-up-bappeda passthrough=no comment="simpul-bw bappeda upload"
add chain=forward in-interface=ether1 dst-address-list=simpul-bw-bappeda action=mark-packet new-packet-mark=simpul-down-bappeda passthrough=no comment="simpul-bw bappeda download"
add chain=forward out-interface=ether1 src-address-list=simpul-bw-dinkes action=mark-packet new-packet-mark=simpul-up-dinkes passthrough=no comment="simpul-bw dinkes upload"
add chain=forward in-interface=ether1 dst-address-list=simpul-bw-dinkes action=mark-packet new-packet-mark=simpul-down-dinkes passthrough=no comment="simpul-bw dinkes download"
add chain=forward out-interface=ether1 src-address-list=simpul-bw-disdik action=mark-packet new-packet-mark=simpul-up-disdik passthrough=no comment="simpul-bw disdik upload"
add chain=forward in-interface=ether1 dst-address-list=simpul-bw-disdik action=mark-packet new-packet-mark=simpul-down-disdik passthrough=no comment="simpul-bw disdik download"
/queue tree
add name=simpul-up parent=ether1 limit-at=50000k max-limit=50000k comment="simpul-bw upload"
add name=simpul-down parent=global limit-at=50000k max-limit=50000k comment="simpul-bw download"
add name=simpul-up-bappeda parent=simpul-up packet-mark=simpul-up-bappeda limit-at=20000k max-limit=50000k comment="simpul-bw Bappeda"
add name=simpul-down-bappeda parent=simpul-down packet-mark=simpul-down-bappeda limit-at=20000k max-limit=50000k comment="simpul-bw Bappeda"
add name=simpul-up-dinkes parent=simpul-up packet-mark=simpul-up-dinkes limit-at=15000k max-limit=25000k comment="simpul-bw Dinas Kesehatan"
add name=simpul-down-dinkes parent=simpul-down packet-mark=simpul-down-dinkes limit-at=15000k max-limit=25000k comment="simpul-bw Dinas Kesehatan"
add name=simpul-up-disdik parent=simpul-up packet-mark=simpul-up-disdik limit-at=10000k max-limit=40000k comment="simpul-bw Dinas Pendidikan"
add name=simpul-down-disdik parent=simpul-down packet-mark=simpul-down-disdik limit-at=10000k max-limit=40000k comment="simpul-bw Dinas Pendidikan"
