# A pty pair for bench/core-unlock.ts --line pty (issue 14, ADR 0026): the board process holds the pty's master itself,
# one kernel hop from the kiosk's port as a UART is, where socat adds a second pty and a process to wake.
# Run as: python3 bench/_pty-pair.py <command> [args...]  (spawned by node with its IPC channel on fd 3)
# Prints the slave's path on stdout, then execs <command> with the master as fd 4 and the slave kept open as fd 5 (a
# master whose slave nobody holds reads EIO); fd 3 passes through untouched.
import os, sys, tty

master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
os.dup2(master, 4)
os.dup2(slave, 5)
for fd in (3, 4, 5):
    os.set_inheritable(fd, True)
os.execvp(sys.argv[1], sys.argv[1:])
