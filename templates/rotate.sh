#!/bin/sh
# rotate.sh: keep Kaptain's OIDC CA bundle Secret in step with Kommander's CA certificate,
# then restart authservice so that it loads the new bundle.
#
# This file is shipped verbatim in a ConfigMap and run as `sh /scripts/rotate.sh [MODE]`.
# It is static: nothing in it is templated, and all settings come from the environment. It
# never uses the braced form of parameter expansion, because Flux postBuild substitution
# would rewrite it. Only the plain dollar-name form is used.
#
# Modes:
#   once (default)  one reconciliation, then exit (the CronJob and manual Jobs)
#   watch           reconcile on every change of the source Secret, with a full resync every
#                   WATCH_RESYNC_SECONDS and capped backoff on API errors; never returns on
#                   its own (the watch Deployment)
#   liveness        exit 0 while the watch loop's heartbeat is fresh, 1 when it has stalled
#                   (the watch Deployment's livenessProbe: Kubernetes then restarts it)
#
# Environment (all required, all non-empty; the generator sets every one):
#   SOURCE_NAMESPACE, TARGET_NAMESPACE    DNS-1123 labels
#   SOURCE_SECRET, TARGET_SECRET          DNS-1123 subdomains
#   SOURCE_KEY, TARGET_KEY                Secret data keys: [-._a-zA-Z0-9]+, not "." or ".."
#   RESTART_KIND                          Pod | StatefulSet (in TARGET_NAMESPACE)
#   RESTART_NAME                          DNS-1123 subdomain
#   RESTART_TIMEOUT_SECONDS               1..86400, digits only, no leading zero (per pod)
#   BUNDLE_MODE                           overlap | replace
#   BUNDLE_MAX_CERTIFICATES               1..20
#   HOME                                  an absolute path to a writable directory (the
#                                         emptyDir): work files, the watch heartbeat
# and in watch and liveness mode:
#   WATCH_RESYNC_SECONDS                  10..86400
#   WATCH_BACKOFF_MAX_SECONDS             1..3600
#
# Tools used besides kubectl: awk, base64, date, mkdir, rm, sed, sha256sum, sleep, timeout
# (all present in busybox), and openssl when present (see "Bundle" below).
#
# Exit codes: 0 = rotated and restarted, or already up to date
#             1 = runtime failure (source invalid, target missing, API error, restart failed)
#             2 = invalid configuration (nothing was read or written)
#
# Bundle: only CERTIFICATE PEM blocks are ever written. A source that holds any other PEM
# block (a private key above all), a malformed block, no certificate, or (with openssl) a
# certificate that is not a CA is refused: nothing is written, nothing restarted, exit 1.
# BUNDLE_MODE=replace writes the source's certificates. BUNDLE_MODE=overlap writes them first,
# then the certificates already in the bundle that are not expired, deduplicated by the
# SHA-256 of their DER, until BUNDLE_MAX_CERTIFICATES certificates are in the bundle (the
# source's own certificates are never dropped). Without openssl, the CA and expiry checks
# are skipped (logged once per run): old certificates then stay until the cap pushes them out.
# The bundle reaches kubectl through a patch file in HOME, never on the command line.
#
# The target Secret is never created (that would need an RBAC "create" grant, which cannot
# be limited to one name): a missing target is an error that prints the one-time command.
#
# What it records on the target Secret (annotations):
#   kaptain-gitops/source-sha256         sha256 of the decoded source that it last wrote from
#   kaptain-gitops/rotated-at            UTC RFC 3339 time of that write
#   kaptain-gitops/restarted-for-sha256  sha256 of the bundle the workload was last restarted
#                                        for; written only after the restart succeeded
#   kaptain-gitops/restart-started-at    epoch seconds when a run took the restart on (a lease:
#                                        set with the bundle write or by a resourceVersion-checked
#                                        patch, removed when the restart is recorded or has failed)
# The target is up to date only when its content equals the wanted bundle AND restarted-for
# equals the sha256 of that content. So a run whose restart failed leaves a pending restart
# behind, and the next run does it, even though the Secret is already equal. A run that finds
# a restart pending under a lease younger than RESTART_TIMEOUT_SECONDS + 60 s leaves it to the
# run that holds it (the watch Deployment and the CronJob may run at the same moment), so the
# workload is restarted once per bundle content.

LC_ALL=C
export LC_ALL
set -f

ANN_SOURCE='kaptain-gitops/source-sha256'
ANN_ROTATED='kaptain-gitops/rotated-at'
ANN_RESTARTED='kaptain-gitops/restarted-for-sha256'
ANN_LEASE='kaptain-gitops/restart-started-at'

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

MODE=$1
case $MODE in
'') MODE=once ;;
once | watch | liveness) ;;
*)
	error 'unknown mode; use once, watch or liveness'
	exit 2
	;;
esac

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

# whole VALUE MIN MAX: digits only, no leading zero, MIN <= VALUE <= MAX (MAX < 1000000).
whole() {
	case $1 in
	'' | *[!0-9]* | 0*) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_5" && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

valid_timeout() { whole "$1" 1 86400; }
valid_max_certificates() { whole "$1" 1 20; }
valid_resync() { whole "$1" 10 86400; }
valid_backoff() { whole "$1" 1 3600; }

valid_kind() {
	case $1 in
	Pod | StatefulSet) return 0 ;;
	esac
	return 1
}

valid_bundle_mode() {
	case $1 in
	overlap | replace) return 0 ;;
	esac
	return 1
}

valid_home() {
	case $1 in
	/*) ;;
	*) return 1 ;;
	esac
	case $1 in
	*[!A-Za-z0-9/._-]* | *..*) return 1 ;;
	esac
	! longer_than "$1" "$LONGER_THAN_253"
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
check BUNDLE_MODE "$BUNDLE_MODE" valid_bundle_mode 'overlap or replace'
check BUNDLE_MAX_CERTIFICATES "$BUNDLE_MAX_CERTIFICATES" valid_max_certificates 'a whole number from 1 to 20'
check HOME "$HOME" valid_home 'an absolute path (A-Z, a-z, 0-9, "/", ".", "_", "-") to a writable directory'
if [ "$MODE" != once ]; then
	check WATCH_RESYNC_SECONDS "$WATCH_RESYNC_SECONDS" valid_resync 'a whole number of seconds from 10 to 86400'
	check WATCH_BACKOFF_MAX_SECONDS "$WATCH_BACKOFF_MAX_SECONDS" valid_backoff 'a whole number of seconds from 1 to 3600'
fi

if [ "$config_ok" != true ]; then
	error 'invalid configuration; nothing was read or changed'
	exit 2
fi

WORK="$HOME/rotate.work"
HEARTBEAT="$HOME/rotate.heartbeat"

# --- helpers ----------------------------------------------------------------

# jsonpath_key KEY: escape the dots of a data key for a kubectl jsonpath field.
# KEY is already validated, so dots are the only characters that need escaping.
jsonpath_key() {
	printf '%s' "$1" | sed 's/\./\\./g'
}

# decode_base64 B64 FILE: writes the decoded bytes of B64 to FILE; fails on non-base64 input.
decode_base64() {
	case $1 in
	'' | *[!A-Za-z0-9+/=]*) return 1 ;;
	esac
	printf '%s' "$1" | base64 -d >"$2" 2>/dev/null
}

# sha256_file FILE: prints the sha256 of the file's bytes.
sha256_file() {
	h=$(sha256sum <"$1" | awk '{ print $1 }')
	case $h in
	'' | *[!0-9a-f]*) return 1 ;;
	esac
	printf '%s\n' "$h"
}

# split_pem FILE PREFIX STRICT: writes each CERTIFICATE block of FILE, normalised (no text
# outside blocks, no carriage returns or trailing blanks), to PREFIX.N.pem and its base64 body
# to PREFIX.N.b64, and prints "<certificates> <other blocks>". With STRICT=1 any other block
# is an error; with STRICT=0 other blocks are skipped (counted). On error it prints the reason
# and fails. Nothing from the input is ever printed, except a block label of A-Z, 0-9, spaces.
split_pem() {
	awk -v prefix="$2" -v strict="$3" '
		function fail(msg) { print msg; failed = 1; exit 1 }
		{ sub(/\r$/, ""); sub(/[ \t]+$/, "") }
		!open && /^-----BEGIN / {
			label = $0
			sub(/^-----BEGIN /, "", label)
			if (label !~ /-----$/) fail("line " NR " is not a valid PEM BEGIN line")
			sub(/-----$/, "", label)
			if (label !~ /^[A-Z0-9 ]+$/) label = "unrecognised"
			open = 1; lines = 0; skipping = 0
			if (label != "CERTIFICATE") {
				if (strict) fail("it holds a " label " block (line " NR "); only CERTIFICATE blocks may reach the bundle")
				skipping = 1; others++
				next
			}
			certs++
			pem = prefix "." certs ".pem"; b64 = prefix "." certs ".b64"
			print "-----BEGIN CERTIFICATE-----" > pem
			next
		}
		!open && /^-----END / { fail("line " NR " ends a PEM block that was never begun") }
		!open { next }
		/^-----END / {
			if (!skipping && $0 != "-----END CERTIFICATE-----") fail("line " NR " does not end the CERTIFICATE block begun before it")
			if (!skipping && lines == 0) fail("the certificate block ending on line " NR " is empty")
			if (!skipping) { print "-----END CERTIFICATE-----" > pem; close(pem); close(b64) }
			open = 0
			next
		}
		/^-----BEGIN / { fail("line " NR " begins a PEM block inside another one") }
		skipping { next }
		$0 == "" { next }
		$0 !~ /^[A-Za-z0-9+\/=]+$/ { fail("line " NR " inside a certificate block is not base64") }
		{ print > pem; print > b64; lines++ }
		END {
			if (failed) exit 1
			if (open) fail("the " label " block has no END line")
			print certs + 0, others + 0
		}' "$1"
}

HAVE_OPENSSL=false
if command -v openssl >/dev/null 2>&1; then
	HAVE_OPENSSL=true
fi

# cert_facts PEMFILE: with openssl, prints "ca" or "not-ca"; fails when openssl cannot parse it.
cert_facts() {
	openssl x509 -in "$1" -noout -text >"$1.txt" 2>/dev/null || return 1
	awk '
		/X509v3 Basic Constraints/ { bc = 1; next }
		bc { if ($0 ~ /CA:TRUE/) ca = 1; bc = 0 }
		END { print (ca ? "ca" : "not-ca") }' "$1.txt"
}

# expired PEMFILE: true when openssl says the certificate's notAfter has passed.
expired() {
	! openssl x509 -in "$1" -noout -checkend 0 >/dev/null 2>&1
}

# fingerprint PREFIX.N: sha256 of the certificate's DER (its decoded base64 body).
fingerprint() {
	base64 -d <"$1.b64" >"$1.der" 2>/dev/null || return 1
	sha256_file "$1.der"
}

# pod_state NAME: prints "<uid>|<status of the Ready condition>"; prints nothing when
# the pod does not exist.
pod_state() {
	kubectl -n "$TARGET_NAMESPACE" get pod "$1" --ignore-not-found \
		-o 'jsonpath={.metadata.uid}|{.status.conditions[?(@.type=="Ready")].status}'
}

# restart_pod NAME: delete the pod, then wait for a new one (new uid) to be Ready.
restart_pod() {
	pod=$1
	deadline=$(($(date +%s) + RESTART_TIMEOUT_SECONDS))
	if ! state=$(pod_state "$pod"); then
		error "cannot read pod $TARGET_NAMESPACE/$pod"
		return 1
	fi
	IFS='|' read -r old_uid old_ready <<EOF
$state
EOF
	if [ -n "$old_uid" ]; then
		log "deleting pod $TARGET_NAMESPACE/$pod (uid $old_uid, Ready=$old_ready)"
		if ! kubectl -n "$TARGET_NAMESPACE" delete pod "$pod" --ignore-not-found --wait=false >/dev/null; then
			error "cannot delete pod $TARGET_NAMESPACE/$pod"
			return 1
		fi
	else
		log "pod $TARGET_NAMESPACE/$pod does not exist; waiting for it to be created"
	fi
	log "waiting up to $RESTART_TIMEOUT_SECONDS s for a new pod $TARGET_NAMESPACE/$pod to be Ready"
	while :; do
		if state=$(pod_state "$pod"); then
			IFS='|' read -r uid ready <<EOF
$state
EOF
			if [ -n "$uid" ] && [ "$uid" != "$old_uid" ] && [ "$ready" = True ]; then
				log "pod $TARGET_NAMESPACE/$pod is Ready (uid $uid)"
				return 0
			fi
		else
			log "reading pod $TARGET_NAMESPACE/$pod failed; retrying"
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			error "timed out after $RESTART_TIMEOUT_SECONDS s waiting for pod $TARGET_NAMESPACE/$pod to be recreated and Ready"
			return 1
		fi
		sleep 1
	done
}

# restart_statefulset: RollingUpdate -> rollout restart + status; OnDelete -> delete the pods
# one by one, highest ordinal first (as the controller's own rolling update does), each
# waited for until Ready before the next one goes.
restart_statefulset() {
	if ! sts=$(kubectl -n "$TARGET_NAMESPACE" get statefulset "$RESTART_NAME" --ignore-not-found \
		-o 'jsonpath={.metadata.name}|{.spec.updateStrategy.type}|{.spec.replicas}'); then
		error "cannot read statefulset $TARGET_NAMESPACE/$RESTART_NAME"
		return 1
	fi
	IFS='|' read -r sts_name sts_strategy sts_replicas <<EOF
$sts
EOF
	if [ -z "$sts_name" ]; then
		error "statefulset $TARGET_NAMESPACE/$RESTART_NAME not found"
		return 1
	fi
	if [ "$sts_strategy" = OnDelete ]; then
		case $sts_replicas in
		'' | *[!0-9]*)
			error "statefulset $TARGET_NAMESPACE/$RESTART_NAME has no usable replica count"
			return 1
			;;
		esac
		log "statefulset $TARGET_NAMESPACE/$RESTART_NAME uses the OnDelete update strategy: deleting its $sts_replicas pod(s) one by one"
		ordinal=$((sts_replicas - 1))
		while [ "$ordinal" -ge 0 ]; do
			restart_pod "$RESTART_NAME-$ordinal" || return 1
			ordinal=$((ordinal - 1))
		done
		log "statefulset $TARGET_NAMESPACE/$RESTART_NAME: all pods replaced"
		return 0
	fi
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

# --- one reconciliation -------------------------------------------------------

# add_to_bundle PREFIX.N: appends the certificate to the bundle and records its fingerprint.
add_to_bundle() {
	awk '{ print }' "$1.pem" >>"$WORK/bundle.pem"
	bundled=$((bundled + 1))
	seen="$seen $2"
}

reconcile() {
	rm -rf "$WORK"
	mkdir -m 700 "$WORK" || die "cannot create the work directory $WORK"
	trap 'rm -rf "$WORK"' EXIT

	# read the source
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
	if ! decode_base64 "$src_b64" "$WORK/source"; then
		die "source key $SOURCE_KEY is not valid base64 data; target left untouched"
	fi
	src_b64=''
	if ! src_sha=$(sha256_file "$WORK/source"); then
		die "cannot compute the sha256 of the source"
	fi
	if ! counts=$(split_pem "$WORK/source" "$WORK/src" 1); then
		die "source key $SOURCE_KEY refused: $counts; nothing was written"
	fi
	read -r src_count _ <<EOF
$counts
EOF
	if [ "$src_count" -eq 0 ]; then
		die "source key $SOURCE_KEY holds no PEM certificate (BEGIN/END CERTIFICATE block); target left untouched"
	fi
	log "source sha256 $src_sha: $src_count certificate(s)"
	if [ "$HAVE_OPENSSL" != true ]; then
		log "openssl not found: certificates are checked for PEM and base64 shape only (no CA or expiry checks; old certificates stay until the cap of $BUNDLE_MAX_CERTIFICATES pushes them out)"
	fi

	# the bundle: the source's certificates first
	: >"$WORK/bundle.pem"
	bundled=0
	seen=''
	i=1
	while [ "$i" -le "$src_count" ]; do
		cert="$WORK/src.$i"
		if ! fp=$(fingerprint "$cert"); then
			die "source certificate $i of $src_count is not valid base64; nothing was written"
		fi
		if [ "$HAVE_OPENSSL" = true ]; then
			if ! facts=$(cert_facts "$cert.pem"); then
				die "source certificate $i of $src_count (sha256 $fp) is malformed: openssl cannot parse it; nothing was written"
			fi
			if [ "$facts" != ca ]; then
				die "source certificate $i of $src_count (sha256 $fp) is not a CA (no basicConstraints CA:TRUE); nothing was written"
			fi
			if expired "$cert.pem"; then
				log "warning: source certificate $i of $src_count (sha256 $fp) has expired; it is bundled anyway, as the source is the authority"
			fi
		fi
		case " $seen " in
		*" $fp "*) log "source certificate $i of $src_count is a duplicate (sha256 $fp); bundled once" ;;
		*) add_to_bundle "$cert" "$fp" ;;
		esac
		i=$((i + 1))
	done

	# read the target
	log "reading target secret $TARGET_NAMESPACE/$TARGET_SECRET key $TARGET_KEY"
	tgt_field=$(jsonpath_key "$TARGET_KEY")
	if ! tgt_out=$(kubectl -n "$TARGET_NAMESPACE" get secret "$TARGET_SECRET" --ignore-not-found \
		-o "jsonpath={.metadata.name}|{.metadata.resourceVersion}|{.data.$tgt_field}|{.metadata.annotations.$ANN_RESTARTED}|{.metadata.annotations.$ANN_LEASE}"); then
		die "cannot read target secret $TARGET_NAMESPACE/$TARGET_SECRET"
	fi
	IFS='|' read -r tgt_name tgt_rv tgt_b64 tgt_restarted tgt_lease <<EOF
$tgt_out
EOF
	if [ -z "$tgt_name" ]; then
		die "target secret $TARGET_NAMESPACE/$TARGET_SECRET not found; this job never creates Secrets. Create it once: kubectl -n $TARGET_NAMESPACE create secret generic $TARGET_SECRET --from-file=$TARGET_KEY=ca.crt"
	fi
	tgt_sha=''
	tgt_count=0
	if [ -n "$tgt_b64" ] && decode_base64 "$tgt_b64" "$WORK/target"; then
		tgt_sha=$(sha256_file "$WORK/target") || tgt_sha=''
		if counts=$(split_pem "$WORK/target" "$WORK/old" 0); then
			read -r tgt_count tgt_others <<EOF
$counts
EOF
			if [ "$tgt_others" -gt 0 ]; then
				log "the current bundle holds $tgt_others non-certificate block(s); they are dropped"
			fi
		else
			log "the current bundle is not valid PEM ($counts); it is replaced"
		fi
	fi
	tgt_b64=''

	# overlap: then the certificates already bundled, still valid, up to the cap
	if [ "$BUNDLE_MODE" = overlap ]; then
		i=1
		while [ "$i" -le "$tgt_count" ]; do
			cert="$WORK/old.$i"
			i=$((i + 1))
			if ! fp=$(fingerprint "$cert"); then
				log "dropping bundled certificate $((i - 1)): not valid base64"
				continue
			fi
			case " $seen " in
			*" $fp "*) continue ;;
			esac
			if [ "$HAVE_OPENSSL" = true ]; then
				if ! cert_facts "$cert.pem" >/dev/null; then
					log "dropping bundled certificate sha256 $fp: openssl cannot parse it"
					continue
				fi
				if expired "$cert.pem"; then
					log "dropping bundled certificate sha256 $fp: it has expired"
					continue
				fi
			fi
			if [ "$bundled" -ge "$BUNDLE_MAX_CERTIFICATES" ]; then
				log "dropping bundled certificate sha256 $fp: the bundle already holds $bundled of at most $BUNDLE_MAX_CERTIFICATES certificates"
				continue
			fi
			log "keeping previously bundled certificate sha256 $fp"
			add_to_bundle "$cert" "$fp"
		done
	fi
	if ! bundle_sha=$(sha256_file "$WORK/bundle.pem"); then
		die "cannot compute the sha256 of the bundle"
	fi
	log "wanted bundle ($BUNDLE_MODE): $bundled certificate(s), sha256 $bundle_sha"

	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	now_epoch=$(date +%s)
	case $tgt_rv in
	'' | *[!A-Za-z0-9._-]*)
		die "target secret $TARGET_NAMESPACE/$TARGET_SECRET has an unusable resourceVersion"
		;;
	esac
	if [ "$tgt_sha" = "$bundle_sha" ]; then
		if [ "$tgt_restarted" = "$bundle_sha" ]; then
			log "up to date: target holds the wanted bundle and $RESTART_KIND $RESTART_NAME was restarted for it; nothing to do"
			exit 0
		fi
		case $tgt_lease in
		'' | *[!0-9]* | ??????????????*) lease_age='' ;;
		*) lease_age=$((now_epoch - tgt_lease)) ;;
		esac
		if [ -n "$lease_age" ] && [ "$lease_age" -ge 0 ] && [ "$lease_age" -lt $((RESTART_TIMEOUT_SECONDS + 60)) ]; then
			log "target holds the wanted bundle; another run took its restart on $lease_age s ago; leaving it to that run"
			exit 0
		fi
		log "target already holds the wanted bundle, but no restart is recorded for it; restarting"
		lease=$(printf '{"metadata":{"resourceVersion":"%s","annotations":{"%s":"%s"}}}' "$tgt_rv" "$ANN_LEASE" "$now_epoch")
		if ! kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge -p "$lease" >/dev/null; then
			die "cannot take the restart on (another run may have it); nothing was restarted"
		fi
	else
		shown=$tgt_sha
		[ -n "$shown" ] || shown=none
		log "target differs from the wanted bundle (target sha256 $shown); patching it in place"
		if ! {
			printf '{"metadata":{"resourceVersion":"%s","annotations":{"%s":"%s","%s":"%s","%s":"%s"}},"data":{"%s":"' \
				"$tgt_rv" "$ANN_SOURCE" "$src_sha" "$ANN_ROTATED" "$now" "$ANN_LEASE" "$now_epoch" "$TARGET_KEY"
			base64 -w 0 <"$WORK/bundle.pem"
			printf '"}}\n'
		} >"$WORK/patch.json"; then
			die "cannot write the patch file in $WORK; nothing was written"
		fi
		if ! kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge "--patch-file=$WORK/patch.json" >/dev/null; then
			die "cannot patch target secret $TARGET_NAMESPACE/$TARGET_SECRET; nothing was restarted"
		fi
		log "patched target secret $TARGET_NAMESPACE/$TARGET_SECRET"
	fi

	# restart
	if [ "$RESTART_KIND" = Pod ]; then
		restarted=true
		restart_pod "$RESTART_NAME" || restarted=false
	else
		restarted=true
		restart_statefulset || restarted=false
	fi
	if [ "$restarted" != true ]; then
		release=$(printf '{"metadata":{"annotations":{"%s":null}}}' "$ANN_LEASE")
		kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge -p "$release" >/dev/null ||
			log "could not release the restart lease; it expires after $((RESTART_TIMEOUT_SECONDS + 60)) s"
		die "restart failed; the Secret is updated and the next run will restart again"
	fi

	record=$(printf '{"metadata":{"annotations":{"%s":"%s","%s":null}}}' "$ANN_RESTARTED" "$bundle_sha" "$ANN_LEASE")
	if ! kubectl -n "$TARGET_NAMESPACE" patch secret "$TARGET_SECRET" --type=merge -p "$record" >/dev/null; then
		die "restart done but recording it on $TARGET_NAMESPACE/$TARGET_SECRET failed; the next run will restart again"
	fi
	log "recorded $ANN_RESTARTED=$bundle_sha on $TARGET_NAMESPACE/$TARGET_SECRET"
	log "done"
	exit 0
}

# --- watch mode ---------------------------------------------------------------

# stall_seconds: the longest a healthy loop goes without a heartbeat: a quiet watch (resync),
# the longest backoff, one restart, and a minute of slack for API calls.
stall_seconds() {
	echo $((WATCH_RESYNC_SECONDS + WATCH_BACKOFF_MAX_SECONDS + RESTART_TIMEOUT_SECONDS + 60))
}

# heartbeat TAG: "<epoch seconds> <tag>"; the tag makes every beat distinct.
heartbeat() {
	printf '%s %s\n' "$(date +%s)" "$1" >"$HEARTBEAT" || die "cannot write the heartbeat file $HEARTBEAT"
}

watch_loop() {
	STALL_SECONDS=$(stall_seconds)
	log "watching source secret $SOURCE_NAMESPACE/$SOURCE_SECRET: full resync every $WATCH_RESYNC_SECONDS s, backoff up to $WATCH_BACKOFF_MAX_SECONDS s on API errors, liveness bound $STALL_SECONDS s"
	backoff=1
	session=0
	while :; do
		session=$((session + 1))
		heartbeat "$session.0"
		started=$(date +%s)
		rm -f "$HOME/rotate.watch-rc" "$HOME/rotate.watch-err"
		# The first line is the object as it is now (the resync), then one line per change.
		{
			timeout "$WATCH_RESYNC_SECONDS" kubectl -n "$SOURCE_NAMESPACE" get secret "$SOURCE_SECRET" \
				--watch -o name 2>"$HOME/rotate.watch-err"
			echo "$?" >"$HOME/rotate.watch-rc"
		} | {
			event=0
			while read -r _line; do
				event=$((event + 1))
				if [ "$event" -eq 1 ]; then
					log "watch session $session: resync"
				else
					log "watch session $session: source secret changed (event $((event - 1)))"
				fi
				(reconcile) || log "reconciliation failed (exit $?); the next change or resync retries"
				heartbeat "$session.$event"
			done
		}
		rc=unknown
		[ -f "$HOME/rotate.watch-rc" ] && read -r rc <"$HOME/rotate.watch-rc"
		ended=$(date +%s)
		if [ "$rc" = 0 ]; then
			log "watch session $session closed by the API server; reconnecting"
			backoff=1
		elif [ $((ended - started)) -ge "$WATCH_RESYNC_SECONDS" ]; then
			log "watch session $session reached the resync interval; reconnecting"
			backoff=1
		else
			reason=''
			[ -f "$HOME/rotate.watch-err" ] && IFS= read -r reason <"$HOME/rotate.watch-err"
			error "watch session $session failed (exit $rc): $reason; retrying in $backoff s"
			heartbeat "$session.backoff"
			sleep "$backoff"
			backoff=$((backoff * 2))
			if [ "$backoff" -gt "$WATCH_BACKOFF_MAX_SECONDS" ]; then
				backoff=$WATCH_BACKOFF_MAX_SECONDS
			fi
		fi
	done
}

liveness() {
	STALL_SECONDS=$(stall_seconds)
	beat=''
	[ -f "$HEARTBEAT" ] && read -r beat _ <"$HEARTBEAT"
	case $beat in
	'' | *[!0-9]*)
		error "no heartbeat from the watch loop in $HEARTBEAT"
		exit 1
		;;
	esac
	age=$(($(date +%s) - beat))
	if [ "$age" -gt "$STALL_SECONDS" ]; then
		error "the watch loop has stalled: last heartbeat $age s ago, bound $STALL_SECONDS s"
		exit 1
	fi
	exit 0
}

case $MODE in
once) reconcile ;;
watch) watch_loop ;;
liveness) liveness ;;
esac
