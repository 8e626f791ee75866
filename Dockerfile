# Images of the erasure pipeline, built from this repository (docker-compose.yml builds them).
#   target `service`, build arg MODULE = ingest | verifier | sink-postgres | sink-elasticsearch |
#     sink-clickhouse | sink-s3 | sink-redis: one service, `java -jar /app/<MODULE>.jar`, configured by environment
#     variables only (see each module's README).
#   target `tools`: `stack-tool init|seed` (dev-stack module): topics, bucket, empty schemas; the sample world.
# The build stage is the same for every target, so BuildKit builds it once for all eight images.

FROM maven:3.9.11-eclipse-temurin-25 AS build
WORKDIR /src
COPY . .
# The Maven repository is a build cache, not a layer. -DskipTests: the tests run in CI against real servers.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -DskipTests package \
        -pl ingest,verifier,sink-postgres,sink-elasticsearch,sink-clickhouse,sink-s3,sink-redis,dev-stack -am \
 && mkdir -p /out/app /out/tools/lib \
 && for m in ingest verifier sink-postgres sink-elasticsearch sink-clickhouse sink-s3 sink-redis; do \
        cp "$m/target/$m.jar" /out/app/; \
    done \
 && cp dev-stack/target/dev-stack-*.jar /out/tools/dev-stack.jar \
 && mvn -B -ntp -q -pl dev-stack dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/tools/lib \
        -DexcludeGroupIds=org.elasticsearch,org.elasticsearch.plugin,io.zonky.test.postgres

FROM eclipse-temurin:25.0.3_9-jre-noble AS runtime
RUN groupadd --system --gid 10001 erasure \
 && useradd --system --uid 10001 --gid erasure --home-dir /app --shell /usr/sbin/nologin erasure \
 && mkdir -p /app /var/lib/erasure-verifier \
 && chown erasure:erasure /var/lib/erasure-verifier
COPY docker/entrypoint.sh docker/healthcheck.sh /usr/local/bin/
WORKDIR /app

FROM runtime AS service
ARG MODULE
RUN test -n "$MODULE" || { echo "build arg MODULE is required (ingest, verifier, sink-<store>)" >&2; exit 1; }
ENV MODULE=${MODULE}
COPY --from=build /out/app/${MODULE}.jar /app/${MODULE}.jar
USER erasure
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]

FROM runtime AS tools
COPY --from=build /out/tools /app/tools
USER erasure
ENTRYPOINT ["java", "-cp", "/app/tools/dev-stack.jar:/app/tools/lib/*", "org.erasure.devstack.external.StackTool"]
