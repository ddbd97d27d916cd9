"""`python -m core cluster certs|status` and `python -m core target join|list`."""

from __future__ import annotations

import argparse
from typing import Any

from core.cluster.address import parse_address
from core.cluster.certs import create_certs, create_target_bundle
from core.commands import add_command
from core.targets.join import join
from core.targets.registry import cluster_state, forget_target, list_targets


def _certs(args: argparse.Namespace) -> Any:
    made = create_target_bundle(args.target, args.dir) if args.target else create_certs(args.dir, force=args.force)
    made["next"] = (f"Copy {made['target_bundle']} to each lab machine and run there: python -m core target join "
                    "tls://APP-HOST:8786 --name NAME --certs FOLDER")
    return made


def _status(_args: argparse.Namespace) -> Any:
    state = cluster_state()
    return {"listening": state is not None, **(state or {}), "join_command": join_command()}


def join_command(name: str = "NAME") -> str:
    """The command a user runs on a lab machine to add it (shown by the Targets page)."""
    state = cluster_state()
    if state is None:
        return f"python -m core target join tls://APP-HOST:8786 --name {name} --certs FOLDER"
    listen = parse_address(state["listen"])
    host = "APP-HOST" if listen.host in ("0.0.0.0", "::", "") else listen.host
    flags = " --insecure" if state.get("insecure") and not state.get("loopback_only") else ""
    certs = " --certs FOLDER" if listen.scheme == "tls" else ""
    return f"python -m core target join {listen.scheme}://{host}:{listen.port} --name {name}{certs}{flags}"


def _join(args: argparse.Namespace) -> Any:
    return join(args.address, args.name, certs=args.certs, work_dir=args.dir, insecure=args.insecure,
                threads=args.threads, listen_host=args.listen_host, check_only=args.check)


def _list(args: argparse.Namespace) -> Any:
    return list_targets(refresh=not args.no_refresh)


def _forget(args: argparse.Namespace) -> Any:
    return forget_target(args.name)


def register(subparsers: Any) -> None:
    cluster = add_command(subparsers, "cluster", "the app's cluster for remote targets: certificates, status", _status)
    actions = cluster.add_subparsers(dest="action")
    certs = add_command(actions, "certs", "make the cluster's CA, the scheduler's certificate and the target bundle",
                        _certs)
    certs.add_argument("--dir", help="where to write them (default <workspace>/cluster/certs)")
    certs.add_argument("--force", action="store_true", help="replace existing certificates (targets need the new bundle)")
    certs.add_argument("--target", metavar="NAME", help="make a bundle for this one target only (it can join as "
                                                        "NAME and nothing else); the CA must exist")
    add_command(actions, "status", "is the app listening for targets, where, and how to join", _status)

    target = add_command(subparsers, "target", "machines to measure on (remote targets)", _list)
    target.add_argument("--no-refresh", action="store_true", help=argparse.SUPPRESS)
    actions = target.add_subparsers(dest="action")
    join = add_command(actions, "join", "make this machine a target of the app at ADDRESS (runs until stopped)", _join)
    join.add_argument("address", help="the app's scheduler, e.g. tls://app-host:8786")
    join.add_argument("--name", required=True, help="how the app shows this machine, e.g. edge-box")
    join.add_argument("--certs", help="the target bundle folder copied from the app (cluster/certs/target)")
    join.add_argument("--dir", help="this target's work folder: model cache, runs (default ~/.cache/ovwb-target/NAME)")
    join.add_argument("--insecure", action="store_true", help="allow plain tcp:// off loopback (anyone on the network "
                                                             "could run code here)")
    join.add_argument("--threads", type=int, help="worker threads, i.e. measurements at once on different devices "
                                                  "(default: one per device)")
    join.add_argument("--listen-host", help="the address the app reaches this target on (default: chosen by route)")
    join.add_argument("--check", action="store_true", help="check the address, certificates and devices, then exit")
    listing = add_command(actions, "list", "the targets: local and joined machines, online / busy / lost", _list)
    listing.add_argument("--no-refresh", action="store_true", help="read the table only (do not ask the scheduler)")
    forget = add_command(actions, "forget", "remove a target that is gone for good from the list", _forget)
    forget.add_argument("name")
