#!/bin/bash
# The lima layer of tests/run-all.sh: tests/vm/run.sh --variant lima (Lima's default guest,
# rootless containerd in RootlessKit, tinyrun, runc and crun side by side; docs/lima.md). Its own
# layer because one boot runs the suite once per runtime (9 min under TCG on the 2-core host with
# light load, 17 min beside other VMs), which would take the vm layer (v2 + systemd) past its
# ~20 min budget.
exec "$(dirname "$0")/../run.sh" --variant lima "$@"
