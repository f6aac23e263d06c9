# Vigía's image: `vigia serve` (the scheduled flows and a local Prefect server) as a non-root
# user, the campaign read from /campaign and the store and Prefect state in the /data volume.
#
#   docker build -t vigia .                        # packages from the index, pinned by the lock
#   make wheelhouse && docker build -t vigia .     # no network: the wheels in deploy/wheelhouse/
#
# The base is pinned to a Python release on Debian 12, the same Python the lock was made with.
# The build stage is the same Python on the full image, whose C compiler mypyc needs.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
ARG BUILD_IMAGE=python:3.11.7-bookworm

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# wheelhouse/ is empty unless `make wheelhouse` filled deploy/wheelhouse; pip then takes its wheels first.
COPY requirements.lock ./
COPY deploy/wheelhouse/ wheelhouse/
RUN python -m venv /opt/vigia \
 && /opt/vigia/bin/pip install --no-cache-dir --find-links wheelhouse -r requirements.lock
COPY . .
# The classifier compiled by mypyc (mypy is in the lock), put beside the installed sources with
# the digests that tie it to them (the wheel stays pure Python); the image fails to build
# rather than run the slower sources unnoticed.
RUN /opt/vigia/bin/python scripts/compile_classifier.py \
 && /opt/vigia/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
 && site=$(/opt/vigia/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
 && cp classify/*.so classify/compiled-sources.sha256 "$site/vigia/classify/" \
 && cd / && /opt/vigia/bin/vigia --version \
 && /opt/vigia/bin/python -c "from vigia.classify import native; assert native.build() == 'compiled (mypyc)', native.build()"

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
