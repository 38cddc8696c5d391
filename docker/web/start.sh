#!/bin/sh
# Entry of the `web` service of docker/compose.yml: python -m ler_web "$@" as the image's `ler` user.
# Docker secrets from files are bind mounts of host files (mode 0600, owned by whoever made them),
# which `ler` cannot read; so this runs as root only to copy the agents' API keys (the key alone,
# never a wallet key) and the OpenID Connect client secret if given into a directory of `ler`,
# then drops to `ler` for good.
set -eu
install -d -m 0700 -o ler -g ler /run/ler-web
for key in /run/secrets/*.api-key; do
  install -m 0400 -o ler -g ler "$key" /run/ler-web/
done
# the OpenID Connect client secret, when docker/web/oidc.yml gives it (sign-in with the provider)
if [ -f /run/secrets/oidc-client.secret ]; then
  install -m 0400 -o ler -g ler /run/secrets/oidc-client.secret /run/ler-web/
fi
exec python -c '
import os, pwd, sys
user = pwd.getpwnam("ler")
os.setgroups([])
os.setgid(user.pw_gid)
os.setuid(user.pw_uid)
os.environ["HOME"] = user.pw_dir
os.execvp(sys.executable, [sys.executable, "-m", "ler_web", *sys.argv[1:]])
' "$@"
