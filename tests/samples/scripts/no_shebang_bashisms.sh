set -euo pipefail
if [[ -n "$HOME" ]]; then echo home; fi
