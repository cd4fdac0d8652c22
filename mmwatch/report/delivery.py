"""Render every group's report of a day into <out>/<day>/<group>/ and, when asked, send each
once (the ledger decides); one group's failure never stops the others."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mmwatch.evidence.day_heatmap import DayHeatmaps
from mmwatch.evidence.report_links import packs_for_report
from mmwatch.mail import MailDeliveryError, SmtpSettings, send_message
from mmwatch.report.bundle import ChartCache, build_bundle
from mmwatch.report.groups import ReportGroup
from mmwatch.report.ledger import ReportLedger
from mmwatch.report.marts import load_day_marts

# what happened to a group's report
RENDERED, DRY_RUN, SENT, ALREADY_SENT, NOT_SENT, FAILED = "rendered", "dry_run", "sent", "already_sent", "not_sent", "failed"


@dataclass
class GroupOutcome:
    group: str
    status: str
    detail: str
    folder: Path
    files: list[Path]
    counts: dict[str, int]
    content_hash: str
    message_id: str | None = None
    recipients: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_reports(warehouse: str | Path, day: str, groups: list[ReportGroup], out_dir: str | Path,
                ledger: ReportLedger, *, send: bool = False, dry_run: bool = False, force: bool = False,
                settings: SmtpSettings | None = None, sender: str | None = None,
                progress: Callable[[str], None] = lambda line: None) -> list[GroupOutcome]:
    """Outcomes per group. `send` needs `settings`; `force` sends even when the ledger has the day's
    report of the group; `dry_run` says what would be sent and sends nothing."""
    marts = load_day_marts(warehouse, day)
    # the evidence pack of each failing obligation (made beside the warehouse, or reused), linked by the reports
    evidence = packs_for_report(warehouse, day, [r.obligation_id for r in marts.rows if r.verdict == "fail"])
    heatmaps = DayHeatmaps(warehouse, day)  # the failing markets' day from the lake beside the warehouse, once
    cache, outcomes = ChartCache(), []
    for number, group in enumerate(groups, 1):
        folder = Path(out_dir) / day / group.name
        bundle = build_bundle(marts, group, "mmwatch marts fct_mm_compliance_daily, fct_mm_breach_episodes, fct_orderbook_snapshot_metrics, "
                              "fct_liquidity_minute; order-book heat maps from the lake",
                              sender or (settings.sender if settings else None), cache, evidence=evidence, folder=folder,
                              heatmaps=heatmaps)
        files = bundle.write(folder)
        outcome = GroupOutcome(group.name, RENDERED, f"written to {folder}", folder, files,
                               {v: sum(1 for r in marts.rows if group.filter.matches(r) and r.verdict == v)
                                for v in ("pass", "fail", "insufficient_data")},
                               bundle.content_hash, bundle.message["Message-ID"], list(group.recipients), bundle.warnings)
        if (send or dry_run or force) and bundle.warnings:
            outcome.status, outcome.detail = NOT_SENT, "not sent: " + "; ".join(bundle.warnings)
        elif dry_run:
            earlier = ledger.sent(day, group.name)
            outcome.status = DRY_RUN
            outcome.detail = (f"would send to {', '.join(group.recipients)}" if not earlier or force else
                              f"already sent at {earlier[-1].sent_at} (message {earlier[-1].message_id}); use --force to send again")
        elif send or force:
            _deliver(outcome, bundle, ledger, settings, force)
        progress(f"[{number}/{len(groups)}] {group.name}: {outcome.status} — {outcome.detail}")
        outcomes.append(outcome)
    return outcomes


def _deliver(outcome: GroupOutcome, bundle, ledger: ReportLedger, settings: SmtpSettings | None, force: bool) -> None:
    if settings is None:
        raise ValueError("sending needs SMTP settings")
    try:
        accepted = ledger.deliver_once(bundle.day, bundle.group.name, bundle.message["Message-ID"], bundle.content_hash,
                                       lambda: send_message(settings, bundle.message), force=force)
    except MailDeliveryError as error:
        outcome.status, outcome.detail = FAILED, f"not sent ({error}); the files are written and the next run will retry"
        return
    if accepted is None:
        earlier = ledger.sent(bundle.day, bundle.group.name)[-1]
        outcome.status, outcome.message_id = ALREADY_SENT, earlier.message_id
        outcome.detail = f"already sent at {earlier.sent_at} (message {earlier.message_id}); use --force to send again"
    else:
        outcome.status, outcome.recipients = SENT, accepted
        refused = sorted(set(bundle.group.recipients) - set(accepted))
        outcome.detail = f"sent to {', '.join(accepted)}" + (f" (refused: {', '.join(refused)})" if refused else "")
