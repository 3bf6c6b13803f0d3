# The cluster tests' Python app: the Python client as the sidecar's image installs it,
# the client's example, and the test app. Built from the repository root.
ARG SIDECAR_IMAGE=cometchat-auth-sidecar:0.1.0
FROM ${SIDECAR_IMAGE}
COPY clients/python/examples/login.py /app/login.py
COPY tests/deploy/cluster/apps/app.py /app/app.py
ENTRYPOINT ["python", "/app/app.py", "hold"]
