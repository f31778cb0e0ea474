"""subprocess on granted programs, os.system, platform and time."""
import os
import platform
import subprocess
import time

print(platform.system(), platform.machine() == os.uname().machine, os.cpu_count() > 0)
print(subprocess.run(["echo", "hello", "world"], capture_output=True, text=True).stdout, end="")
print(subprocess.check_output(["sh", "-c", "echo $((6 * 7))"]))
print("status", os.waitstatus_to_exitcode(os.system("exit 3")))
try:
    subprocess.run(["sh", "-c", "exit 4"], check=True)
except subprocess.CalledProcessError as e:
    print("CalledProcessError", e.returncode)
print(time.strftime("%Y", time.gmtime(0)), time.time() > 1_600_000_000, time.monotonic() >= 0)
