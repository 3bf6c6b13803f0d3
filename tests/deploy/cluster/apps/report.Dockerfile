# The Job example's container: the Python client's example (log in, ask, log out), then exit.
ARG SIDECAR_IMAGE=cometchat-auth-sidecar:0.1.0
FROM ${SIDECAR_IMAGE}
COPY clients/python/examples/login.py /app/login.py
ENTRYPOINT ["python", "/app/login.py", "cometchat-uid-3"]
