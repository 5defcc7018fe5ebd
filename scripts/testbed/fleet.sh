#!/usr/bin/env bash
# A fleet of test hosts made of Linux network namespaces, for gameday's host integration tests and HostBench.
#
#   fleet.sh up PREFIX DIR [HOSTS] [--service http|none] [--iperf] [--keep-login-rc]
#   fleet.sh down PREFIX DIR
#   fleet.sh sweep            # removes leftovers of crashed runs (prefix gdh<pid>[x<n>] / gdb<pid>[x<n>] whose
#                             # process <pid> is gone); PREFIX must have that shape, so nothing else is touched
#
# Layout: namespace PREFIX-br holds bridge br0; PREFIX-ctl (10.77.0.1) is the controller; PREFIX-h<i>
# (10.77.0.<10+i>) are hosts, zone a for the first half and zone b for the rest. Every namespace joins br0 with a
# veth pair created inside PREFIX-br, so nothing is added to the root namespace, and no namespace has a default
# route. Each host runs its own sshd (port 2222, own config, host key and pid file) and, unless --service none, a
# small HTTP service on port 8080 run by a supervisor loop that restarts it when it dies; its pid is in
# DIR/h<i>/service.pid. DIR gets the controller's key (id_ed25519), known_hosts and hosts.tsv
# (name address zone), one line per host. Needs root.
set -euo pipefail

SUBNET=10.77.0
SSH_PORT=2222
HTTP_PORT=8080

die() { echo "fleet.sh: $*" >&2; exit 2; }

ns_list() { ip netns list | awk '{print $1}' | grep -E "^$1-" || true; }

down() {
    local prefix=$1 dir=${2:-}
    [[ $prefix =~ ^gd[hb][0-9]+(x[0-9]+)?$ ]] || die "refusing to remove namespaces for prefix '$prefix' (expected gdh<pid> or gdh<pid>x<n>)"
    local ns pid
    for ns in $(ns_list "$prefix"); do
        # Every process inside our namespaces was started by this fleet (sshd, services, leases, ssh sessions).
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for ns in $(ns_list "$prefix"); do ip netns delete "$ns" 2>/dev/null || true; done
    if [[ -n $dir && -d $dir ]]; then
        # Lease pid files of fleet hosts live under /run/gameday (shared by all namespaces); remove only ours.
        rm -f /run/gameday/gameday-*"$prefix"* 2>/dev/null || true
        rm -rf "$dir"
    fi
}

sweep() {
    local ns prefix pid
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^gd[hb][0-9]+(x[0-9]+)?-' || true); do
        prefix=${ns%%-*}
        pid=${prefix#gd?}
        pid=${pid%%x*}
        if ! kill -0 "$pid" 2>/dev/null; then down "$prefix" ""; fi
    done
}

up() {
    local prefix=$1 dir=$2 hosts=${3:-4}
    shift $(($# < 3 ? $# : 3))
    local service=http iperf=0 mask_rc=1
    while [[ $# -gt 0 ]]; do
        case $1 in
            --service) service=$2; shift 2 ;;
            --iperf) iperf=1; shift ;;
            --keep-login-rc) mask_rc=0; shift ;;
            *) die "unknown option $1" ;;
        esac
    done
    [[ $(id -u) == 0 ]] || die "needs root (network namespaces, sshd)"
    [[ $prefix =~ ^gd[hb][0-9]+(x[0-9]+)?$ ]] || die "prefix must look like gdh<pid> or gdh<pid>x<n> (gdb for benchmarks)"
    [[ $hosts =~ ^[0-9]+$ && $hosts -ge 1 && $hosts -le 200 ]] || die "hosts must be 1...200"
    [[ -z $(ns_list "$prefix") ]] || die "namespaces with prefix $prefix exist; run: fleet.sh down $prefix"
    trap 'down "$prefix" "$dir"' ERR
    mkdir -p "$dir" /run/sshd
    chmod 755 /run/sshd
    local sshd; sshd=$(command -v sshd || echo /usr/sbin/sshd)
    [[ -x $sshd ]] || die "sshd not found (apt-get install openssh-server)"
    local python; python=$(command -v /usr/bin/python3 || command -v python3)

    ssh-keygen -q -t ed25519 -N '' -C gameday-testbed -f "$dir/id_ed25519"
    cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
    : > "$dir/known_hosts"
    : > "$dir/empty_bashrc"
    : > "$dir/hosts.tsv"

    local br=$prefix-br
    ip netns add "$br"
    ip -n "$br" link add br0 type bridge
    ip -n "$br" link set br0 up
    ip -n "$br" link set lo up

    join() {  # join NS IP PORTNAME
        ip netns add "$1"
        ip -n "$br" link add "$3" type veth peer name eth0 netns "$1"
        ip -n "$br" link set "$3" master br0 up
        ip -n "$1" link set lo up
        ip -n "$1" addr add "$2/24" dev eth0
        ip -n "$1" link set eth0 up
    }

    join "$prefix-ctl" "$SUBNET.1" vctl

    local i ns ip zone hdir
    for ((i = 1; i <= hosts; i++)); do
        ns=$prefix-h$i
        ip=$SUBNET.$((10 + i))
        if ((i <= (hosts + 1) / 2)); then zone=a; else zone=b; fi
        hdir=$dir/h$i
        mkdir -p "$hdir/www"
        join "$ns" "$ip" "v$i"
        ssh-keygen -q -t ed25519 -N '' -C "h$i" -f "$hdir/ssh_host_ed25519_key"
        cat > "$hdir/sshd_config" <<CFG
Port $SSH_PORT
ListenAddress $ip
HostKey $hdir/ssh_host_ed25519_key
PidFile $hdir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 100
MaxStartups 200
LogLevel ERROR
CFG
        if ((mask_rc)) && [[ -f /root/.bashrc ]]; then
            # This image's root ~/.bashrc runs `pyenv init`, which bash sources for every ssh command (~100 ms of
            # CPU each): sshd gets a private mount namespace in which that file is empty, so tests and HostBench
            # measure gameday rather than the image. --keep-login-rc keeps it.
            ip netns exec "$ns" unshare --mount --propagation private sh -c \
                'mount --bind "$1" /root/.bashrc && exec "$2" -f "$3" -E "$4"' mask "$dir/empty_bashrc" "$sshd" "$hdir/sshd_config" "$hdir/sshd.log"
        else
            ip netns exec "$ns" "$sshd" -f "$hdir/sshd_config" -E "$hdir/sshd.log"
        fi
        echo "[$ip]:$SSH_PORT $(cut -d' ' -f1,2 "$hdir/ssh_host_ed25519_key.pub")" >> "$dir/known_hosts"
        if [[ $service == http ]]; then
            head -c 4194304 /dev/urandom > "$hdir/www/blob"
            echo ok > "$hdir/www/health"
            touch "$hdir/supervise"
            # The supervisor restarts the service while DIR/h<i>/supervise exists; the service's cmdline contains
            # its bind address, so a pattern can name exactly one host's service in the shared pid namespace.
            ip netns exec "$ns" setsid sh -c '
                while [ -e "$1/supervise" ]; do
                    sh -c "echo \$\$ > \"$1/service.pid\"; exec \"$2\" -m http.server $3 --bind $4 --directory \"$1/www\"" >>"$1/service.log" 2>&1
                    sleep 0.2
                done' supervisor "$hdir" "$python" "$HTTP_PORT" "$ip" </dev/null >/dev/null 2>&1 &
        fi
        if ((iperf)); then
            ip netns exec "$ns" iperf3 -s -B "$ip" -p 5201 -D --pidfile "$hdir/iperf3.pid" >/dev/null 2>&1
        fi
        printf 'h%d\t%s\t%s\n' "$i" "$ip" "$zone" >> "$dir/hosts.tsv"
    done

    # Ready when every sshd has written its pid file (it does so after binding) and every service answers.
    local deadline=$((SECONDS + 60))
    for ((i = 1; i <= hosts; i++)); do
        until [[ -s $dir/h$i/sshd.pid ]]; do
            ((SECONDS < deadline)) || die "sshd on h$i did not start: $(cat "$dir/h$i/sshd.log" 2>/dev/null)"
            sleep 0.1
        done
        if [[ $service == http ]]; then
            until ip netns exec "$prefix-ctl" bash -c "exec 3<>/dev/tcp/$SUBNET.$((10 + i))/$HTTP_PORT" 2>/dev/null; do
                ((SECONDS < deadline)) || die "service on h$i did not start: $(cat "$dir/h$i/service.log" 2>/dev/null)"
                sleep 0.2
            done
        fi
    done
    trap - ERR
    echo "fleet $prefix: controller $SUBNET.1 in $prefix-ctl, $hosts hosts, files in $dir"
}

case ${1:-} in
    up) [[ $# -ge 3 ]] || die "usage: fleet.sh up PREFIX DIR [HOSTS] [--service http|none] [--iperf] [--keep-login-rc]"; up "${@:2}" ;;
    down) [[ $# -ge 2 ]] || die "usage: fleet.sh down PREFIX [DIR]"; down "$2" "${3:-}" ;;
    sweep) sweep ;;
    *) die "usage: fleet.sh up|down|sweep ..." ;;
esac
