#!/bin/sh
# rotate.sh: copy Kommander's CA certificate into Kaptain's OIDC CA bundle Secret,
# then restart authservice so that it loads the new bundle.
#
# This file is shipped verbatim in a ConfigMap and run as `sh /scripts/rotate.sh`.
# It is static: nothing in it is templated, and all settings come from the
# environment. It never uses the braced form of parameter expansion, because Flux
# postBuild substitution would rewrite it. Only the plain dollar-name form is used.
#
# Environment (all required, all non-empty; the generator sets every one):
#   SOURCE_NAMESPACE, TARGET_NAMESPACE    DNS-1123 labels
#   SOURCE_SECRET, TARGET_SECRET          DNS-1123 subdomains
#   SOURCE_KEY, TARGET_KEY                Secret data keys: [-._a-zA-Z0-9]+, not "." or ".."
#   RESTART_KIND                          Pod | StatefulSet (in TARGET_NAMESPACE)
#   RESTART_NAME                          DNS-1123 subdomain
#   RESTART_TIMEOUT_SECONDS               1..86400, digits only, no leading zero
#   CREATE_TARGET_IF_MISSING              true | false
#
# Tools used besides kubectl: awk, base64, date, sed, sha256sum, sleep
# (all present in busybox).
#
# Exit codes: 0 = rotated and restarted, or already up to date
#             1 = runtime failure (source invalid, target missing, API error, restart failed)
#             2 = invalid configuration (nothing was read or written)
#
# What it records on the target Secret (annotations):
#   kaptain-gitops/source-sha256         sha256 of the decoded CA that it last wrote
#   kaptain-gitops/rotated-at            UTC RFC 3339 time of that write
#   kaptain-gitops/restarted-for-sha256  sha256 that the workload was last restarted for;
#                                        written only after the restart succeeded
# The target is up to date only when its content equals the source AND restarted-for
# equals the sha256 of that content. So a run whose restart failed leaves a pending
# restart behind, and the next run does it, even though the Secret is already equal.

LC_ALL=C
export LC_ALL
set -f

ANN_SOURCE='kaptain-gitops/source-sha256'
ANN_ROTATED='kaptain-gitops/rotated-at'
ANN_RESTARTED='kaptain-gitops/restarted-for-sha256'

log() {
	printf 'rotate: %s\n' "$*"
}

error() {
	printf 'rotate: ERROR: %s\n' "$*" >&2
}

die() {
	error "$*"
	exit 1
}

# --- validation -------------------------------------------------------------

# Glob patterns that match any string longer than 5, 63 or 253 characters.
Q8='????????'
Q64="$Q8$Q8$Q8$Q8$Q8$Q8$Q8$Q8"
LONGER_THAN_5='??????*'
LONGER_THAN_63="$Q64*"
LONGER_THAN_253="$Q64$Q64$Q64$Q8$Q8$Q8$Q8$Q8$Q8$Q8??????*"

# longer_than VALUE PATTERN
longer_than() {
	# shellcheck disable=SC2254 # PATTERN is meant as a glob: a run of "?" wildcards
	case $1 in
	$2) return 0 ;;
	esac
	return 1
}

valid_label() {
	case $1 in
	'' | *[!a-z0-9-]* | -* | *-) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_63"
}

valid_subdomain() {
	case $1 in
	'' | *[!a-z0-9.-]* | [.-]* | *[.-] | *..* | *.-* | *-.*) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_253"
}

valid_key() {
	case $1 in
	'' | . | .. | *[!A-Za-z0-9._-]*) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_253"
}

valid_timeout() {
	case $1 in
	'' | *[!0-9]* | 0*) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_5" && [ "$1" -le 86400 ]
}

valid_kind() {
	case $1 in
	Pod | StatefulSet) return 0 ;;
	esac
	return 1
}

valid_bool() {
	case $1 in
	true | false) return 0 ;;
	esac
	return 1
}

config_ok=true

# check NAME VALUE VALIDATOR WHAT: the value itself is never printed.
check() {
	if [ -z "$2" ]; then
		error "$1 is empty or unset; it must be $4"
		config_ok=false
	elif ! "$3" "$2"; then
		error "$1 is invalid; it must be $4"
		config_ok=false
	fi
}

LABEL='a DNS-1123 label (a-z, 0-9, "-"; at most 63 characters)'
SUBDOMAIN='a DNS-1123 subdomain (a-z, 0-9, "-", "."; at most 253 characters)'
KEY='a Secret data key (A-Z, a-z, 0-9, "-", "_", "."; at most 253 characters)'

check SOURCE_NAMESPACE "$SOURCE_NAMESPACE" valid_label "$LABEL"
check SOURCE_SECRET "$SOURCE_SECRET" valid_subdomain "$SUBDOMAIN"
check SOURCE_KEY "$SOURCE_KEY" valid_key "$KEY"
check TARGET_NAMESPACE "$TARGET_NAMESPACE" valid_label "$LABEL"
check TARGET_SECRET "$TARGET_SECRET" valid_subdomain "$SUBDOMAIN"
check TARGET_KEY "$TARGET_KEY" valid_key "$KEY"
check RESTART_KIND "$RESTART_KIND" valid_kind 'Pod or StatefulSet'
check RESTART_NAME "$RESTART_NAME" valid_subdomain "$SUBDOMAIN"
check RESTART_TIMEOUT_SECONDS "$RESTART_TIMEOUT_SECONDS" valid_timeout 'a whole number of seconds from 1 to 86400'
check CREATE_TARGET_IF_MISSING "$CREATE_TARGET_IF_MISSING" valid_bool 'true or false'

if [ "$config_ok" != true ]; then
	error 'invalid configuration; nothing was read or changed'
	exit 2
fi

# --- helpers ----------------------------------------------------------------

# jsonpath_key KEY: escape the dots of a data key for a kubectl jsonpath field.
# KEY is already validated, so dots are the only characters that need escaping.
jsonpath_key() {
	printf '%s' "$1" | sed 's/\./\\./g'
}

valid_base64() {
	case $1 in
	'' | *[!A-Za-z0-9+/=]*) return 1 ;;
	esac
	printf '%s' "$1" | base64 -d >/dev/null 2>&1
}

# sha256_of_base64 B64: prints the sha256 of the decoded bytes.
sha256_of_base64() {
	h=$(printf '%s' "$1" | base64 -d | sha256sum | awk '{ print $1 }')
	case $h in
	'' | *[!0-9a-f]*) return 1 ;;
	esac
	printf '%s\n' "$h"
}

# is_pem_certificate B64: the decoded text holds a BEGIN CERTIFICATE line
# followed later by an END CERTIFICATE line.
is_pem_certificate() {
	printf '%s' "$1" | base64 -d 2>/dev/null | awk '
		/-----BEGIN CERTIFICATE-----/ { open = 1; next }
		open && /-----END CERTIFICATE-----/ { found = 1 }
		END { exit found ? 0 : 1 }'
}

# pod_state: prints "<uid>|<status of the Ready condition>"; prints nothing when
# the pod does not exist.
pod_state() {
	kubectl -n "$TARGET_NAMESPACE" get pod "$RESTART_NAME" --ignore-not-found \
		-o 'jsonpath={.metadata.uid}|{.status.conditions[?(@.type=="Ready")].status}'
}

restart_pod() {
	deadline=$(($(date +%s) + RESTART_TIMEOUT_SECONDS))
	if ! state=$(pod_state); then
		error "cannot read pod $TARGET_NAMESPACE/$RESTART_NAME"
		return 1
	fi
	IFS='|' read -r old_uid old_ready <<EOF
$state
EOF
	if [ -n "$old_uid" ]; then
		log "deleting pod $TARGET_NAMESPACE/$RESTART_NAME (uid $old_uid, Ready=$old_ready)"
		if ! kubectl -n "$TARGET_NAMESPACE" delete pod "$RESTART_NAME" --ignore-not-found --wait=false >/dev/null; then
			error "cannot delete pod $TARGET_NAMESPACE/$RESTART_NAME"
			return 1
		fi
	else
		log "pod $TARGET_NAMESPACE/$RESTART_NAME does not exist; waiting for it to be created"
	fi
	log "waiting up to $RESTART_TIMEOUT_SECONDS s for a new pod $TARGET_NAMESPACE/$RESTART_NAME to be Ready"
	while :; do
		if state=$(pod_state); then
			IFS='|' read -r uid ready <<EOF
$state
EOF
			if [ -n "$uid" ] && [ "$uid" != "$old_uid" ] && [ "$ready" = True ]; then
				log "pod $TARGET_NAMESPACE/$RESTART_NAME is Ready (uid $uid)"
				return 0
			fi
		else
			log "reading pod $TARGET_NAMESPACE/$RESTART_NAME failed; retrying"
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			error "timed out after $RESTART_TIMEOUT_SECONDS s waiting for pod $TARGET_NAMESPACE/$RESTART_NAME to be recreated and Ready"
			return 1
		fi
		sleep 1
	done
}

restart_statefulset() {
	log "restarting statefulset $TARGET_NAMESPACE/$RESTART_NAME"
	if ! kubectl -n "$TARGET_NAMESPACE" rollout restart "statefulset/$RESTART_NAME" >/dev/null; then
		error "cannot restart statefulset $TARGET_NAMESPACE/$RESTART_NAME"
		return 1
	fi
	log "waiting up to $RESTART_TIMEOUT_SECONDS s for the rollout of statefulset $TARGET_NAMESPACE/$RESTART_NAME"
	if ! kubectl -n "$TARGET_NAMESPACE" rollout status "statefulset/$RESTART_NAME" "--timeout=$RESTART_TIMEOUT_SECONDS"s; then
		error "rollout of statefulset $TARGET_NAMESPACE/$RESTART_NAME did not complete within $RESTART_TIMEOUT_SECONDS s"
		return 1
	fi
	log "statefulset $TARGET_NAMESPACE/$RESTART_NAME rolled out"
}

# --- read the source --------------------------------------------------------

log "reading source secret $SOURCE_NAMESPACE/$SOURCE_SECRET key $SOURCE_KEY"
src_field=$(jsonpath_key "$SOURCE_KEY")
if ! src_out=$(kubectl -n "$SOURCE_NAMESPACE" get secret "$SOURCE_SECRET" --ignore-not-found \
	-o "jsonpath={.metadata.name}|{.data.$src_field}"); then
	die "cannot read source secret $SOURCE_NAMESPACE/$SOURCE_SECRET; target left untouched"
fi
IFS='|' read -r src_name src_b64 <<EOF
$src_out
EOF
if [ -z "$src_name" ]; then
	die "source secret $SOURCE_NAMESPACE/$SOURCE_SECRET not found; target left untouched"
fi
if [ -z "$src_b64" ]; then
	die "source secret $SOURCE_NAMESPACE/$SOURCE_SECRET has no data under key $SOURCE_KEY (missing or empty); target left untouched"
fi
if ! valid_base64 "$src_b64"; then
	die "source key $SOURCE_KEY is not valid base64 data; target left untouched"
fi
if ! is_pem_certificate "$src_b64"; then
	die "source key $SOURCE_KEY holds no PEM certificate (BEGIN/END CERTIFICATE block); target left untouched"
fi
if ! src_sha=$(sha256_of_base64 "$src_b64"); then
	die "cannot compute the sha256 of the source CA"
fi
log "source CA sha256 $src_sha"

# --- read the target --------------------------------------------------------

log "reading target secret $TARGET_NAMESPACE/$TARGET_SECRET key $TARGET_KEY"
tgt_field=$(jsonpath_key "$TARGET_KEY")
if ! tgt_out=$(kubectl -n "$TARGET_NAMESPACE" get secret "$TARGET_SECRET" --ignore-not-found \
	-o "jsonpath={.metadata.name}|{.metadata.resourceVersion}|{.data.$tgt_field}|{.metadata.annotations.$ANN_RESTARTED}"); then
	die "cannot read target secret $TARGET_NAMESPACE/$TARGET_SECRET"
fi
IFS='|' read -r tgt_name tgt_rv tgt_b64 tgt_restarted <<EOF
$tgt_out
EOF

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

if [ -z "$tgt_name" ]; then
	if [ "$CREATE_TARGET_IF_MISSING" != true ]; then
		die "target secret $TARGET_NAMESPACE/$TARGET_SECRET not found and CREATE_TARGET_IF_MISSING=false"
	fi
	log "target secret $TARGET_NAMESPACE/$TARGET_SECRET not found; creating it"
	manifest=$(printf '{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"%s","namespace":"%s","annotations":{"%s":"%s","%s":"%s"}},"data":{"%s":"%s"}}' \
		"$TARGET_SECRET" "$TARGET_NAMESPACE" "$ANN_SOURCE" "$src_sha" "$ANN_ROTATED" "$now" "$TARGET_KEY" "$src_b64")
	if ! printf '%s\n' "$manifest" | kubectl -n "$TARGET_NAMESPACE" create -f - >/dev/null; then
		die "cannot create target secret $TARGET_NAMESPACE/$TARGET_SECRET"
	fi
	log "created target secret $TARGET_NAMESPACE/$TARGET_SECRET"
else
	tgt_sha=''
	if valid_base64 "$tgt_b64"; then
		tgt_sha=$(sha256_of_base64 "$tgt_b64") || tgt_sha=''
	fi
	if [ "$tgt_sha" = "$src_sha" ]; then
		if [ "$tgt_restarted" = "$src_sha" ]; then
			log "up to date: target matches source and $RESTART_KIND $RESTART_NAME was restarted for it; nothing to do"
			exit 0
		fi
		log "target already matches the source, but no restart is recorded for it; restarting"
	else
		case $tgt_rv in
		'' | *[!A-Za-z0-9._-]*)
			die "target secret $TARGET_NAMESPACE/$TARGET_SECRET has an unusable resourceVersion"
			;;
		esac
		shown=$tgt_sha
		[ -n "$shown" ] || shown=none
		log "target differs from the source (target sha256 $shown); patching it in place"
		patch=$(printf '{"metadata":{"resourceVersion":"%s","annotations":{"%s":"%s","%s":"%s"}},"data":{"%s":"%s"}}' \
			"$tgt_rv" "$ANN_SOURCE" "$src_sha" "$ANN_ROTATED" "$now" "$TARGET_KEY" "$src_b64")
		if ! kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge -p "$patch" >/dev/null; then
			die "cannot patch target secret $TARGET_NAMESPACE/$TARGET_SECRET; nothing was restarted"
		fi
		log "patched target secret $TARGET_NAMESPACE/$TARGET_SECRET"
	fi
fi

# --- restart ------------------------------------------------------------------

if [ "$RESTART_KIND" = Pod ]; then
	restart_pod || die "restart failed; the Secret is updated and the next run will restart again"
else
	restart_statefulset || die "restart failed; the Secret is updated and the next run will restart again"
fi

record=$(printf '{"metadata":{"annotations":{"%s":"%s"}}}' "$ANN_RESTARTED" "$src_sha")
if ! kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge -p "$record" >/dev/null; then
	die "restart done but recording it on $TARGET_NAMESPACE/$TARGET_SECRET failed; the next run will restart again"
fi
log "recorded $ANN_RESTARTED=$src_sha on $TARGET_NAMESPACE/$TARGET_SECRET"
log "done"
