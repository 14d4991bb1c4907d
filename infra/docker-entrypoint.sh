#!/bin/sh
# Entry point of the hub image: one image, five services.
#   docker run IMAGE                      -> runs services/$HUB_SERVICE/src/main.ts
#   docker run IMAGE pnpm exec tsx services/router/src/main.ts   -> runs that command
set -eu

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

case "${HUB_SERVICE:-}" in
  gateway|router|delivery|console|scheduler) ;;
  "")
    echo "hub: set HUB_SERVICE to one of gateway, router, delivery, console, scheduler (or pass a command)" >&2
    exit 64
    ;;
  *)
    echo "hub: unknown HUB_SERVICE '${HUB_SERVICE}' (expected gateway, router, delivery, console or scheduler)" >&2
    exit 64
    ;;
esac

main="services/${HUB_SERVICE}/src/main.ts"
if [ ! -f "$main" ]; then
  echo "hub: $main is missing from this image" >&2
  exit 66
fi

# node itself is the service process (no pnpm/tsx wrapper in between), so SIGTERM from
# `docker stop` reaches the service's own shutdown handler; tsx is loaded as a module hook.
exec node --import tsx "$main"
