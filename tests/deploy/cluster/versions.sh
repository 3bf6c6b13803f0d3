# The pinned versions of the cluster tests (sourced by the shell scripts; read by cluster.py).
# 1.34 runs on a cgroups v1 host without extra settings and has native sidecars on by default.
KUBERNETES_VERSION=v1.34.4
PAUSE_IMAGE=localhost/cometchat-cluster-test/pause:v1.34.4
