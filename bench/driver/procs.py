"""Processes pinned to a core, and their CPU time and memory from /proc."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from .common import TICK, BenchError

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid):
    """(ppid, utime+stime, cutime+cstime) in ticks, or None when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])


def tree(pid):
    """pid and every live descendant."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                children.setdefault(st[0], []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_ticks(pid):
    """CPU ticks of the process tree: live members, plus children already reaped by the root."""
    total = 0
    for i, p in enumerate(tree(pid)):
        st = proc_stat(p)
        if st:
            total += st[1] + (st[2] if i == 0 else 0)
    return total


def status_kb(pid, field):
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Proc:
    def __init__(self, name, cmd, logdir, core, env=None):
        self.name = name
        self.log_path = os.path.join(logdir, name + ".log")
        self.logf = open(self.log_path, "ab")
        full_env = dict(os.environ)
        for k, v in (env or {}).items():
            # None removes a variable
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        self.p = subprocess.Popen(["taskset", "-c", core] + cmd, stdout=self.logf,
                                  stderr=subprocess.STDOUT, env=full_env,
                                  start_new_session=True)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait_http(self, url, timeout, ok=(200,)):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise BenchError("%s exited with %s during start:\n%s"
                                 % (self.name, self.p.returncode, self.tail()))
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status in ok:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise BenchError("%s not ready at %s after %ss:\n%s" % (self.name, url, timeout, self.tail()))

    def stop(self):
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.p.wait()
        self.logf.close()


def cpu_pressure():
    """`some avg10` of /proc/pressure/cpu: the share of time something waited for a CPU (other
    work on the machine shows here), or None where PSI is not available."""
    try:
        with open("/proc/pressure/cpu") as f:
            for line in f:
                if line.startswith("some "):
                    return float(line.split("avg10=")[1].split()[0])
    except (OSError, IndexError, ValueError):
        pass
    return None


def busy_ticks():
    """CPU ticks the whole machine spent busy (not idle, iowait or stolen), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = v[:7]
    return user + nice + system + irq + softirq


def children_ticks():
    """CPU ticks of this process's reaped children (the load generator runs)."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * TICK
