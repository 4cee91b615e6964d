"""A private slapd (Debian's package) for the directory tests: its own config, database and
port under a temporary folder; the data is loaded online so that memberOf is filled."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.accounts.servers import free_port, wait_port

HERE = Path(__file__).resolve().parent / "ldap_server"
SLAPD = "/usr/sbin/slapd"
BASE = "dc=example,dc=test"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "adminpw"

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {here}/adlike.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile  {d}/slapd.pid
argsfile {d}/slapd.args
database mdb
suffix   "{base}"
rootdn   "{admin}"
rootpw   {password}
directory {d}/db
maxsize  10485760
index objectClass eq
index uid,mail eq
overlay memberof
memberof-refint TRUE
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by users read by * none
"""


def missing() -> str:
    """Why slapd cannot run here ('' when it can)."""
    for tool in (SLAPD, shutil.which("slaptest"), shutil.which("ldapadd")):
        if not tool or not Path(tool).exists():
            return "slapd is not installed (apt-get install slapd ldap-utils)"
    return ""


def start(d: Path) -> tuple[subprocess.Popen[bytes], str]:
    (d / "db").mkdir(parents=True, exist_ok=True)
    conf = d / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(here=HERE, d=d, base=BASE, admin=ADMIN_DN, password=ADMIN_PASSWORD)
    )
    subprocess.run(["slaptest", "-u", "-f", conf], check=True, capture_output=True)
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    with open(d / "slapd.log", "wb") as log:
        proc = subprocess.Popen(
            [SLAPD, "-f", conf, "-h", f"{url}/", "-d", "0"],  # -d 0: stays in the foreground
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    wait_port(port, proc=proc)
    subprocess.run(
        [
            "ldapadd",
            "-x",
            "-H",
            url,
            "-D",
            ADMIN_DN,
            "-w",
            ADMIN_PASSWORD,
            "-f",
            HERE / "data.ldif",
        ],
        check=True,
        capture_output=True,
    )
    return proc, url
