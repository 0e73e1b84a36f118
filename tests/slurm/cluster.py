"""A real single-node Slurm on 127.0.0.1 for the tests: munge, slurmctld, slurmd, one fake GPU.

No accounting daemon: the Snakemake executor is told to poll squeue (MinJobAge keeps finished jobs
visible), and slurmctld's job-completion log records every job that ran. Every daemon started here is
stopped by its PID. Needs root and Debian's slurmctld, slurmd, slurm-client and munge.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SYSTEM_CONF = Path("/etc/slurm/slurm.conf")


def available() -> str | None:
    """Why no cluster can be started here, or None."""
    if os.geteuid() != 0:
        return "needs root"
    missing = [d for d in ("slurmctld", "slurmd", "sbatch", "munged") if not shutil.which(d)]
    return f"missing {', '.join(missing)} (make slurm-packages installs them)" if missing else None


class Cluster:
    def __init__(self, root: Path, memory_mb: int = 16000):
        self.root = Path(root)
        self.host = socket.gethostname().split(".")[0]
        self.memory_mb = memory_mb
        self.pids: list[int] = []
        self.linked = False

    @property
    def env(self) -> dict:
        return {**os.environ, "SLURM_CONF": str(self.root / "slurm.conf")}

    @property
    def jobcomp(self) -> Path:
        return self.root / "jobcomp.txt"

    def _write_config(self) -> None:
        r = self.root
        for folder in ("state", "spool", "log"):
            (r / folder).mkdir(parents=True, exist_ok=True)
        (r / "gres.conf").write_text("Name=gpu File=/dev/null\n")
        (r / "slurm.conf").write_text(
            f"""ClusterName=adamllm-ci
SlurmctldHost={self.host}(127.0.0.1)
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
MinJobAge=600
ReturnToService=2
GresTypes=gpu
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp}
NodeName={self.host} NodeAddr=127.0.0.1 CPUs=2 RealMemory={self.memory_mb} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
        )

    def _daemon(self, command: list[str], pid_file: Path) -> None:
        subprocess.run(command, check=True, env=self.env)
        for _ in range(100):
            if pid_file.exists() and pid_file.read_text().strip():
                self.pids.append(int(pid_file.read_text().split()[0]))
                return
            time.sleep(0.1)
        raise RuntimeError(f"{command[0]} did not start; see {self.root / 'log'}")

    def start(self) -> Cluster:
        """Start the daemons and wait for the node; on failure, stop what was started and re-raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> Cluster:
        self._write_config()
        # Jobs do not inherit SLURM_CONF (sbatch keeps SLURM_* to itself): srun inside a job reads the
        # default path, so link it there unless this machine already has a Slurm configuration.
        if not SYSTEM_CONF.exists() and not SYSTEM_CONF.is_symlink():
            SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
            SYSTEM_CONF.symlink_to(self.root / "slurm.conf")
            self.linked = True
        for folder in ("/run/munge", "/var/lib/munge", "/var/log/munge"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        munge_pid = self.root / "munged.pid"
        self._daemon(["munged", "--force", f"--pid-file={munge_pid}", f"--log-file={self.root / 'log/munged.log'}"],
                     munge_pid)  # fmt: skip
        conf = str(self.root / "slurm.conf")
        self._daemon(["slurmctld", "-f", conf], self.root / "slurmctld.pid")
        self._daemon(["slurmd", "-f", conf], self.root / "slurmd.pid")
        for _ in range(100):
            state = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=self.env).stdout
            if state.strip() in ("idle", "mix", "alloc"):
                return self
            time.sleep(0.2)
        raise RuntimeError(f"the node did not come up (sinfo: {state!r}); see {self.root / 'log'}")

    def stop(self) -> None:
        if self.linked and SYSTEM_CONF.is_symlink():
            SYSTEM_CONF.unlink()
            self.linked = False
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        self.pids.clear()

    def completed_jobs(self) -> list[dict]:
        """Jobs recorded by slurmctld's completion log: name, state, exit code, node."""
        if not self.jobcomp.exists():
            return []
        jobs = []
        for line in self.jobcomp.read_text().splitlines():
            fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
            jobs.append(fields)
        return jobs
