#!/usr/bin/env bash
# Installs the real parts the tests use (Open vSwitch, the VTEP emulator, iproute2, ping, tcpdump, chromium,
# the reference CNI plugins) when one is missing and we are root. Without root it only reports: the tests that
# need a missing part then fail with a message naming it.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ovs-vswitchd || need+=(openvswitch-switch)
[ -f /usr/share/openvswitch/vtep.ovsschema ] || need+=(openvswitch-vtep)
have ip || need+=(iproute2)
have ping || need+=(iputils-ping)
have ethtool || need+=(ethtool)
have tcpdump || need+=(tcpdump)
have iptables-restore || need+=(iptables)
have nc.openbsd || need+=(netcat-openbsd)
have openssl || need+=(openssl)
have curl || need+=(curl)
have jq || need+=(jq)
have chromium || need+=(chromium)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)

if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${need[*]}; not root, so not installing (tests that need them will fail)" >&2
  exit 0
fi
echo "install-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# policy-rc.d may deny starting the system's own OVS service: harmless, the tests start their own daemons.
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
