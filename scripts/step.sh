# Sourced by the scripts: `step NAME COMMAND…` runs a command and prints its duration.
step() {
  local name=$1; shift
  local started=$SECONDS
  echo "--> $name"
  "$@"
  echo "--> $name: $((SECONDS - started)) s"
}
