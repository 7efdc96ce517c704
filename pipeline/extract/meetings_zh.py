"""Who met whom in a Chinese sentence, clause by clause.

Chinese readouts put who met whom in a fixed order: the host before the trigger (会见,
会谈, 会晤…), the guests after it, or both before it when they met each other ("A同B举行
会谈"). A sentence is cut into clauses at ，；; each clause with a trigger states its own
meeting(s), so "丁薛祥会见朔尔茨之前，王毅与拉夫罗夫……进行会晤" gives two:

- persons before the trigger are the hosts; when there are none, the subject carried from
  an earlier clause of the sentence ("李强开始……访问，先后会晤了A、B"), the first person
  of the next clause for a "会见X时" clause ("会见X时，王毅表示"), or — only when the clause
  has no room for a name before the trigger ("随后会见", "他还会见") — the person the
  sentences before were about; "与X会晤" with the subject carried adds the subject;
- persons after it are guests: each host met each guest in a meeting of its own (会见了A和B,
  先后会晤A、B、C are separate bilateral meetings), all together only when the clause says
  so (共同, 一起, 三方, 集体); a guest list that runs on past a comma ("分别会见A，B，C，就……")
  continues into the next clauses that only name people, and so does a list that 同/与
  opens before its trigger ("……访问俄罗斯，分别同总统A，议长B，……外长C等深入交流": the
  subject carried from before met each of them);
- 分别 / 先后 split hosts from guests where it stands ("A、B分别同C会见": A–C and B–C);
- a clause with a modality cue (将, 计划, 期待…) or a negative (通话, 视频) states no meeting
  (read across a word the page wrapped: 计 划),
  and neither does a clause whose subject comes from one ("朔尔茨将访华，会晤李强"); a
  meeting recalled in another clause of a call story is one ("……通电话。两国元首10月底在
  釜山会晤后……");
- 两国元首, 两国领导人, 双方, 两人 as the subject stand for the two the story's last meeting,
  held or planned, was between (``sides``).

The rules (triggers, modality, separately, and the cues ``moved_on``, ``no_name_before``,
``both_sides``) come from ``models/rules/meetings.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["clause_events"]

_CLAUSE_END = re.compile(r"[，,；;]")
_JOINT = re.compile(r"共同|一起|三方|四方|集体|联合会见")
_WHEN = re.compile(r"(?:时|之际|期间)[\s，,；;]*$")
# a clause that starts with one of these is not about its first person (就石破茂的访华行程)
_NOT_SUBJECT = re.compile(
    r"^[\s“”\"]*(?:就|对|关于|据|向|为|根据|针对|按照|应|随着|在\S{0,12}之际|(?:分别|先后)?(?:同|与|跟))"
)
# a clause that opens a list of those the subject met, before the trigger that ends it
# ("……访问俄罗斯，分别同总统A，议长B，……外长C等深入交流")
_WITH_LIST = re.compile(
    r"^[\s，,]*(?:访问期间|期间|其间|随后|此后|之后|当天|当日|同日|此外|另外)?(?:分别|先后|还|也|又|并)*(?:同|与|跟)"
    r"[^，,；;。同与跟]{0,12}$"
)
_ATTENDED = re.compile(r"出席|与会|参加")
# 与 before the name, maybe with its title between (先与上海市委书记X会晤)
_WITH_BEFORE = re.compile(r"(?:与|同|和|跟)[^，,；;。与同和跟]{0,12}$")
# a pronoun or a bare title before the trigger stands for the person the text is about
_STANDS_FOR_SOMEONE = re.compile(r"他|她|总统|总理|主席|首相|外长|部长|国王|议长")


def _clauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, start = [], s
    for m in _CLAUSE_END.finditer(text, s, e):
        out.append((start, m.end()))
        start = m.end()
    if start < e:
        out.append((start, e))
    return out


@dataclass
class _Reading:
    """One sentence read clause by clause: its clauses and their persons, and what the
    clauses read so far leave (rows, the subject carried, a group without a trigger)."""

    text: str
    clauses: list[tuple[int, int]]
    in_clause: list[list[tuple[int, int, str]]]
    lr: object
    last_person: str | None
    sides: list[str] | None
    rows: list[tuple[list[str], str]] = field(default_factory=list)
    inferred_rows: set[int] = field(default_factory=set)
    carried: str | None = None
    carried_modal: bool = False
    # the persons of a clause without a trigger (A和B，……举行会谈)
    carried_group: list[str] = field(default_factory=list)


def clause_events(text: str, s: int, e: int, persons: list[tuple[int, int, str]], lr, *,
                  last_person: str | None = None, sides: list[str] | None = None,
                  ) -> list[tuple[list[str], str, bool]]:  # fmt: skip
    """The meetings of the sentence ``text[s:e]`` as (participants, trigger, inferred) rows;
    ``inferred`` when the host is not named in the clause (carried, or the person before).

    Args:
        text: the document's (simplified) text.
        s, e: the sentence's span.
        persons: (start, end, entity id) of the sentence's possible participants, in order.
        lr: the Chinese rules.
        last_person: the person the sentences before were about, for a clause with guests
            and no room for a host before its trigger.
        sides: the participants of the meeting the document stated last, for a clause whose
            subject is 两国元首, 两国领导人, 双方, 两人 ("两国元首在会谈后签署了联合声明").
    """
    clauses = _clauses(text, s, e)
    in_clause = [[p for p in persons if a <= p[0] < b] for a, b in clauses]
    rd = _Reading(text, clauses, in_clause, lr, last_person, sides)
    i = 0
    while i < len(clauses):
        i = _read_clause(rd, i)
    return [(group, t, k in rd.inferred_rows) for k, (group, t) in enumerate(rd.rows) if len(group) >= 2]


def _read_clause(rd: _Reading, i: int) -> int:
    """Read clause ``i`` (a list before its trigger, a clause without a meeting, or one
    with a trigger); the index of the next clause to read."""
    text, lr = rd.text, rd.lr
    a, b = rd.clauses[i]
    here = rd.in_clause[i]
    modal = _vetoed(text, a, b, lr)
    trig = lr.triggers.search(text, a, b)
    if trig is None and not modal and here and rd.carried and not rd.carried_modal:
        nxt = _read_list(rd, i)
        if nxt is not None:
            return nxt
    if trig is None or modal:
        if here and not _NOT_SUBJECT.search(text[a : here[0][0]]) and (rd.carried is None or here[0][0] - a <= 12):
            rd.carried, rd.carried_modal = here[0][2], modal
        rd.carried_group = _unique([p[2] for p in here]) if here and not modal else []
        return i + 1
    return _read_meeting(rd, i, trig)


def _read_list(rd: _Reading, i: int) -> int | None:
    """A list that 同/与 opens in clause ``i`` and a later trigger ends: the subject carried
    met each person of it; the index after the list, None when there is no such list."""
    listed = _list_then_trigger(rd.text, rd.clauses, rd.in_clause, i, rd.lr)
    if listed is None:
        return None
    j, t = listed
    guests = _unique([p[2] for k in range(i, j + 1) for p in rd.in_clause[k] if p[2] != rd.carried])
    first_row = len(rd.rows)
    rd.rows += [([rd.carried, g], t) for g in guests]
    rd.inferred_rows.update(range(first_row, len(rd.rows)))
    rd.carried_group = []
    return j + 1


def _run_on_guests(rd: _Reading, i: int, hosts: list[str], guests: list[str]) -> int:
    """Extend ``guests`` with a guest list running on past commas (clauses that only name
    people); the index of the first clause after it."""
    text, clauses, in_clause = rd.text, rd.clauses, rd.in_clause
    b = clauses[i][1]
    j = i + 1
    if guests and text[b - 1 : b] in "，,":
        while (j < len(clauses) and in_clause[j] and not rd.lr.moved_on.search(text, *clauses[j])
               and not any(p[2] in hosts or p[2] in guests for p in in_clause[j])):  # fmt: skip
            # (a clause naming someone already in the meeting has moved on: 同日设宴款待X)
            guests += [p[2] for p in in_clause[j] if p[2] not in guests and p[2] not in hosts]
            j += 1
    return j


def _unnamed_hosts(rd: _Reading, i: int, cut: int, hosts: list[str], guests: list[str],
                   before: list) -> tuple[list[str], bool]:  # fmt: skip
    """(hosts, from the subject carried) of a clause that names no host (会见X时 → the next
    clause's first person, the subject carried, the person before), or one host after 与."""
    text = rd.text
    a, b = rd.clauses[i]
    if not hosts and guests:
        nxt = rd.in_clause[i + 1] if i + 1 < len(rd.clauses) else []
        if _WHEN.search(text[a:b]) and nxt:
            return [h for h in [nxt[0][2]] if h not in guests], False  # 会见X时，王毅表示
        if rd.carried:
            return [h for h in [rd.carried] if h not in guests], True
        if rd.last_person and (rd.lr.no_name_before.match(text[a:cut]) or _STANDS_FOR_SOMEONE.search(text, a, cut)):
            # 随后会见 / 她在此行会见 / 法国总统周四会晤了
            return [h for h in [rd.last_person] if h not in guests], False
        return [], False
    if len(hosts) == 1 and not guests and rd.carried and rd.carried not in hosts:
        if _WITH_BEFORE.search(text[a : before[0][0]]):
            return [rd.carried, *hosts], True  # 上午先与X会晤
    return hosts, False


def _meeting_rows(rd: _Reading, i: int, j: int, trig: re.Match, sep: re.Match | None, hosts: list[str],
                  guests: list[str]) -> tuple[list[tuple[list[str], str]], bool]:  # fmt: skip
    """(rows, inferred) of a clause's trigger: a group from the clause before, the two
    sides, those who attended, the hosts together, all together, or each host with each guest."""
    text = rd.text
    a, b = rd.clauses[i]
    t = trig.group()
    if not hosts and not guests and len(rd.carried_group) >= 2 and not rd.carried_modal:
        return [(list(rd.carried_group), t)], True  # A和B，30日在庆州举行会谈
    if not hosts and not guests and rd.sides and len(rd.sides) >= 2 and rd.lr.both_sides.search(text, a, trig.start()):
        return [(list(rd.sides), t)], False  # 两国元首: the two the story is about
    if not hosts and not guests and j < len(rd.clauses) and _ATTENDED.search(text, *rd.clauses[j]):
        return [(_unique([p[2] for p in rd.in_clause[j]]), t)], False  # 三国元首会晤在天津举行，A、B、C出席
    if not guests:
        return ([(hosts, t)] if len(hosts) >= 2 else []), False  # A同B举行会谈
    if _JOINT.search(text, a, b) and not sep:
        return [(hosts + guests, t)], False
    if sep and len(hosts) > 1:
        return [([h, g], t) for h in hosts for g in guests], False
    return [([*hosts, g], t) for g in guests if hosts], False


def _read_meeting(rd: _Reading, i: int, trig: re.Match) -> int:
    """Clause ``i`` holds a trigger: hosts before it (or 分别), guests after it, the rows
    they make; the index of the next clause to read."""
    text = rd.text
    a, b = rd.clauses[i]
    here = rd.in_clause[i]
    sep = rd.lr.separately.search(text, a, b)
    cut = sep.start() if sep else trig.start()
    before = [p for p in here if p[0] < cut]
    hosts = _unique([p[2] for p in before])
    guests = [g for g in _unique([p[2] for p in here if p[0] >= (sep.end() if sep else trig.end())]) if g not in hosts]
    j = _run_on_guests(rd, i, hosts, guests)
    named_hosts = bool(hosts)
    hosts, subject_from_before = _unnamed_hosts(rd, i, cut, hosts, guests, before)
    if subject_from_before and rd.carried_modal:
        return j  # the subject's clause said it is a plan
    first_row = len(rd.rows)
    rows, inferred = _meeting_rows(rd, i, j, trig, sep, hosts, guests)
    rd.rows += rows
    if inferred or not named_hosts:
        rd.inferred_rows.update(range(first_row, len(rd.rows)))
    if hosts:
        rd.carried, rd.carried_modal = hosts[0], False
    rd.carried_group = []
    return j


# a space or line break between two Chinese characters: a word wrapped by the page (计 划)
_WRAPPED = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def _vetoed(text: str, a: int, b: int, lr) -> bool:
    """Whether the clause ``text[a:b]`` says its meeting is a plan (modality) or no meeting
    in person (negatives), read across words that a page wrapped."""
    clause = _WRAPPED.sub("", text[a:b])
    return bool(lr.modality.search(clause) or lr.negatives.search(clause))


def _list_then_trigger(
    text: str, clauses: list[tuple[int, int]], in_clause: list, i: int, lr
) -> tuple[int, str] | None:
    """Where clause ``i`` opens a list with 同/与 and the list runs on past commas to a
    clause whose trigger ends it ("分别同A，B，C等深入交流"): that clause's index and its
    trigger; None otherwise."""
    a, _ = clauses[i]
    if not _WITH_LIST.match(text[a : in_clause[i][0][0]]):
        return None
    j = i + 1
    while (j < len(clauses) and in_clause[j] and not lr.triggers.search(text, *clauses[j])
           and not lr.moved_on.search(text, *clauses[j])):  # fmt: skip
        j += 1
    if j >= len(clauses) or not in_clause[j]:
        return None
    ja, jb = clauses[j]
    trig = lr.triggers.search(text, ja, jb)
    if trig is None or _vetoed(text, ja, jb, lr):
        return None
    if any(p[0] >= trig.start() for p in in_clause[j]):
        return None  # the trigger's own clause names its guests after it: a meeting of its own
    return j, trig.group()


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
