# One image for every intops subcommand: collector, server, simulate,
# migrate, catalog, slo, anomaly. A static binary on a distroless base,
# running as a non-root user.
#   docker build -t intops .
#   docker run --rm intops version
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/intops ./cmd/intops && mkdir -p /out/queue

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/intops /usr/local/bin/intops
COPY deploy/collector.yaml /etc/intops/collector.yaml
COPY examples/estate /etc/intops/catalog
# The collector's persistent queue: owned by the user, so that a named
# volume mounted here starts writable.
COPY --from=build --chown=nonroot:nonroot /out/queue /var/lib/intops/queue
ENV INTOPS_CATALOG=/etc/intops/catalog \
    INTOPS_QUEUE_DIR=/var/lib/intops/queue
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/intops"]
CMD ["server"]
