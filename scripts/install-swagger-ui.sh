#!/usr/bin/env bash
# Installs the Swagger UI files hook-ingest serves under /doc/ (swagger-ui-bundle.js and swagger-ui.css), so that
# the API documentation works with no network. They come from the PyPI wheel swagger-ui-bundle, pinned by version
# and sha256 and fetched with pip; they are never committed.
#   scripts/install-swagger-ui.sh [DIR]   installs into DIR (default: .build-assets/swagger-ui, ignored by git)
# Prints the directory. Does nothing when DIR already holds the files of this pin. hook-ingest finds
# .build-assets/swagger-ui (relative to its working directory) and /usr/share/mandrill-live/swagger-ui by itself;
# elsewhere, give it --swagger-ui-dir / SWAGGER_UI_DIR. The container image (deploy/Dockerfile) runs this script
# too, so this is the only place the pin is written.
set -euo pipefail
cd "$(dirname "$0")/.."

wheel_version=1.1.0
wheel_sha256=f7526f7bb99923e10594c54247265839bec97e96b0438561ac86faf40d40dd57
# The Swagger UI release inside that wheel; doc.html's CDN fallback (swagger-ui-dist@…) names the same one.
ui_version=4.15.5
files=(swagger-ui-bundle.js swagger-ui.css)

target=${1:-.build-assets/swagger-ui}
stamp="swagger-ui-bundle==$wheel_version sha256:$wheel_sha256"
installed=yes
for file in "${files[@]}"; do [ -s "$target/$file" ] || installed=no; done
if [ "$installed" = yes ] && [ "$(cat "$target/.installed-from" 2>/dev/null)" = "$stamp" ]; then
  echo "$target"
  exit 0
fi

# pip from the environment ($PIP), else the test virtualenv's, else the system's (Debian: python3-pip).
if [ -n "${PIP:-}" ]; then
  read -r -a pip <<< "$PIP"
elif [ -x .build-venv/bin/pip ]; then
  pip=(.build-venv/bin/pip)
elif python3 -m pip --version >/dev/null 2>&1; then
  pip=(python3 -m pip)
else
  echo "install-swagger-ui.sh needs pip: apt-get install python3-pip (or set PIP)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# --require-hashes: pip refuses a wheel whose sha256 differs from the pin (a changed or substituted file).
printf 'swagger-ui-bundle==%s --hash=sha256:%s\n' "$wheel_version" "$wheel_sha256" > "$work/requirements.txt"
"${pip[@]}" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
  -r "$work/requirements.txt" -d "$work/wheel" >&2
wheel=$(find "$work/wheel" -name "swagger_ui_bundle-$wheel_version-*.whl" -print -quit)
[ -n "$wheel" ] || { echo "pip did not download swagger-ui-bundle $wheel_version" >&2; exit 1; }
# Checked here as well, so that the pin holds whatever pip did.
echo "$wheel_sha256  $wheel" | sha256sum --check --status \
  || { echo "$wheel does not have the pinned sha256" >&2; exit 1; }

# Only the files named above, read straight from the wheel (a zip): nothing else is unpacked.
mkdir -p "$target"
python3 - "$wheel" "$work/files" "swagger_ui_bundle/vendor/swagger-ui-$ui_version" "${files[@]}" <<'PY'
import pathlib, sys, zipfile
wheel, out, folder, names = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
out.mkdir(parents=True)
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        (out / name).write_bytes(archive.read(f"{folder}/{name}"))
PY
for file in "${files[@]}"; do
  [ -s "$work/files/$file" ] || { echo "$file is empty in the wheel" >&2; exit 1; }
  install -m 0644 "$work/files/$file" "$target/$file"
done
echo "$stamp" > "$target/.installed-from"
echo "$target"
