# Vigía's image: `vigia serve` (the scheduled flows and a local Prefect server) as a non-root
# user, the campaign read from /campaign and the store and Prefect state in the /data volume.
#
#   docker build -t vigia .                        # packages from the index, pinned by the lock
#   make wheelhouse && docker build -t vigia .     # no network: the wheels in deploy/wheelhouse/
#
# The base is pinned to a Python release on Debian 12, the same Python the lock was made with.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# wheelhouse/ is empty unless `make wheelhouse` filled deploy/wheelhouse; pip then takes its wheels first.
COPY requirements.lock ./
COPY deploy/wheelhouse/ wheelhouse/
RUN python -m venv /opt/vigia \
 && /opt/vigia/bin/pip install --no-cache-dir --find-links wheelhouse -r requirements.lock
COPY . .
RUN /opt/vigia/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
 && /opt/vigia/bin/vigia --version

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin vigia \
 && mkdir -p /data /campaign && chown vigia:vigia /data
COPY --from=build /opt/vigia /opt/vigia
ENV PATH=/opt/vigia/bin:$PATH \
    VIGIA_DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# The campaign folder (`vigia init`); left empty, the packaged demands and sources apply.
WORKDIR /campaign
USER vigia
VOLUME ["/data"]
EXPOSE 4200
ENTRYPOINT ["vigia"]
CMD ["serve", "--host", "0.0.0.0"]
