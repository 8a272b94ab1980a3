"""What the text of a SPARQL query shows before any parser reads it: a small lexer.

The engine's parser is recursive: a few thousand nested brackets, or a chain of a few
thousand MINUS groups, overflow its stack and kill the process that parses. So a query
is measured here first, in one pass that cannot overflow: how deep its brackets nest and
how many tokens it has. The same pass finds what the policy refuses and what the dataset
is: the SERVICE keyword, the FROM and FROM NAMED clauses, the prologue.

Comments, strings and IRIs are skipped as the SPARQL 1.1 (and 1.2) grammar delimits
them, so the word "service" in a comment, a string or an IRI is not the keyword. Two
things the engine's parser reads differently from a plain lexer are handled here:

- Keywords need no space after them (``SERVICESILENT<x>{}`` is ``SERVICE SILENT <x> {}``,
  ``SERVICEex:a {}`` calls ``ex:a``), so a word that contains SERVICE is the keyword, and
  so is a prefixed name whose prefix contains it when a group follows.
- ``<`` opens an IRI, except after an operand in an expression, where it is less-than.
  Expressions only occur inside parentheses; which parentheses hold one is told by what
  precedes them (``FILTER (``, ``STR(``, ``FILTER <f>(``, a SELECT clause, a modifier) as
  the grammar tells it. Where the two readings of a ``<`` could hide a different query
  from this lexer (the would-be IRI holds the word, a ``#``, a quote or a parenthesis),
  the scan says so (``unsure``), and the policy refuses a query that mentions SERVICE.

>>> found = scan('SELECT * WHERE { ?s ?p "a SERVICE" FILTER(?o < 3) } # SERVICE')
>>> found.service, found.depth, found.tokens
(False, 2, 14)
>>> scan("SELECT * WHERE { FILTER(1<2)SERVICE?v#>\\n{ } }").service
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WHITESPACE = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")
"""Whitespace and comments; a comment ends at a carriage return or a line feed, as in the engine."""
IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
STRING = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|"(?:[^"\\\r\n]|\\.)*"',
    re.DOTALL,
)
_NAME_CHAR = r"[\w\-\u00B7\u0300-\u036F\u203F-\u2040]"
_LOCAL_CHAR = rf"(?:{_NAME_CHAR}|:|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?#@%])"
PREFIXED_NAME = re.compile(
    rf"(?:[^\W\d_](?:(?:{_NAME_CHAR}|\.)*{_NAME_CHAR})?)?:(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?"
)
"""A prefixed name (``ex:a``, ``:a``, ``ex:``), its local part with ``%`` and ``\\`` escapes."""
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
VARIABLE = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+")
BLANK_NODE = re.compile(rf"_:\w(?:(?:{_NAME_CHAR}|\.)*{_NAME_CHAR})?")
LANGUAGE_TAG = re.compile(r"@[A-Za-z]+(?:-{1,2}[A-Za-z0-9]+)*")
NUMBER = re.compile(r"\d+\.\d*(?:[eE][+-]?\d+)?|\.?\d+(?:[eE][+-]?\d+)?")
PUNCTUATION = re.compile(r"&&|\|\||!=|<=|>=|\^\^|.", re.DOTALL)
AMBIGUOUS_IN_IRI = re.compile(r"service|[#'()]", re.IGNORECASE)
"""What would make the two readings of a ``<`` differ beyond the ``<`` itself."""

GROUP, EXPRESSION, TERMS, VALUES, TRIPLE = "group", "expression", "terms", "values", "triple"
"""What brackets hold: a group pattern (or the query's top level), an expression, terms (a
collection, a path group, a VALUES row, a blank node's properties, a triple term), the rows
of a VALUES block, or a reified triple ``<< … >>``."""

BEFORE_OPERAND = frozenset({"(", ",", "=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "!", "^^"})
"""Punctuation after which an expression needs an operand, so ``<`` can only open an IRI."""
TERMS_AFTER = frozenset({"A", "VALUES", "UNDEF"})
"""Keywords after which ``(`` opens terms (``?s a (1 2)``, ``VALUES (?x)``), not an expression."""
CLAUSE_WORDS = ("SELECT", "BY", "HAVING")
"""In a group, parentheses after these hold expressions: a projection, a GROUP BY or ORDER BY
condition, a HAVING constraint (until the next ``{`` or one of ``CLAUSE_ENDS``)."""
CLAUSE_ENDS = ("WHERE", "FROM", "LIMIT", "OFFSET", "VALUES")
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


@dataclass(frozen=True)
class DatasetClause:
    """One FROM or FROM NAMED clause: where it is in the text, and its IRI as written."""

    start: int
    end: int
    named: bool
    target: str


@dataclass
class Scan:
    """What a query's text shows: its size and nesting, and the few keywords that matter before it runs."""

    tokens: int = 0
    """Tokens outside the rows of VALUES blocks (however long, a VALUES block is flat for the engine)."""
    depth: int = 0
    """The deepest nesting of brackets (a run of ``!`` counts as deeper still)."""
    service: bool = False
    unsure: bool = False
    """Some ``<`` could be read two ways that differ in more than the ``<`` (see the module)."""
    base: bool = False
    """The query states its own BASE."""
    query_form: int = -1
    """Where the query form (SELECT, CONSTRUCT, DESCRIBE, ASK) starts: the prologue ends there."""
    dataset: list[DatasetClause] = field(default_factory=list)
    stopped: bool = False
    """The scan stopped at a limit, so the figures are lower bounds."""

    @property
    def empty(self) -> bool:
        """Nothing but whitespace and comments."""
        return self.tokens == 0 and self.depth == 0


@dataclass
class _Frame:
    kind: str
    opener: str
    clause: bool = False
    """In a group: the parentheses that follow hold expressions (a SELECT clause, a modifier)."""


def scan(query: str, max_depth: int = 1_000_000, max_tokens: int = 1_000_000_000) -> Scan:
    """Lex the query once, stopping as soon as it is deeper than ``max_depth`` or longer than ``max_tokens``.

    >>> scan("SELECT * WHERE " + "{" * 300, max_depth=200).depth
    201
    >>> scan("# nothing but a comment").empty
    True
    """
    return _Scanner(query, max_depth, max_tokens).run()


class _Scanner:
    """One pass over the text, keeping the stack of open brackets and the last two tokens."""

    def __init__(self, text: str, max_depth: int, max_tokens: int):
        self.text = text
        self.max_depth = max_depth
        self.max_tokens = max_tokens
        self.found = Scan()
        self.stack = [_Frame(GROUP, "")]
        self.last = ("", "")
        self.before_last = ("", "")
        self.negations = 0
        self.in_values = 0
        self.values_next = False
        self.pending_from: tuple[int, bool] | None = None

    def run(self) -> Scan:
        position = self._skip(0)
        while position < len(self.text) and not self.found.stopped:
            position = self._skip(self._token(position))
        return self.found

    def _skip(self, position: int) -> int:
        blank = WHITESPACE.match(self.text, position)
        return blank.end() if blank else position

    def _token(self, position: int) -> int:
        char = self.text[position]
        if char == "<":
            return self._angle(position)
        if char in "'\"":
            return self._match(STRING, position, "literal")
        if char in "?$":
            return self._match(VARIABLE, position, "variable")
        if char == "@":
            return self._match(LANGUAGE_TAG, position, "language")
        if self.text.startswith("_:", position):
            return self._match(BLANK_NODE, position, "blank")
        if char.isdigit() or (char == "." and self.text[position + 1 : position + 2].isdigit()):
            return self._match(NUMBER, position, "number")
        name = PREFIXED_NAME.match(self.text, position)
        if name:
            return self._prefixed_name(name.group(), position)
        word = WORD.match(self.text, position)
        if word:
            return self._word(word.group(), position)
        return self._punctuation(position)

    # --- the tokens the rules look at --------------------------------------------------------

    def _angle(self, position: int) -> int:
        """``<``: less-than after an operand in an expression, else a triple term, a reified triple or an IRI."""
        if self._could_be_less_than():
            self._check_both_readings(position)
            if self.stack[-1].kind == EXPRESSION:
                return self._punctuation(position)
        if self.text.startswith("<<(", position):
            self._open(TERMS, "<<(")
            return self._emit(position, position + 3, "opening", "<<(")
        if self.text.startswith("<<", position):
            self._open(TRIPLE, "<<")
            return self._emit(position, position + 2, "opening", "<<")
        return self._match(IRI, position, "iri")

    def _could_be_less_than(self) -> bool:
        """Inside parentheses and after what may end an operand: the engine may read less-than here."""
        kind, text = self.last
        return self.stack[-1].opener == "(" and not (kind in ("opening", "punctuation") and text in BEFORE_OPERAND)

    def _check_both_readings(self, position: int) -> None:
        """Whichever reading is taken, the other must not hide a keyword, a comment or a string from this lexer."""
        iri = IRI.match(self.text, position)
        if iri and AMBIGUOUS_IN_IRI.search(iri.group()):
            self.found.unsure = True

    def _word(self, word: str, position: int) -> int:
        keyword = word.upper()
        if "SERVICE" in keyword:
            self.found.service = True
        if "VALUES" in keyword:
            self.values_next = True
        if len(self.stack) == 1:
            self._top_level_word(keyword, position)
        self._mark_clause(keyword)
        kind = "literal" if keyword in ("TRUE", "FALSE") else "keyword"
        return self._emit(position, position + len(word), kind, keyword)

    def _mark_clause(self, keyword: str) -> None:
        top = self.stack[-1]
        if top.kind != GROUP:
            return
        if any(word in keyword for word in CLAUSE_WORDS):
            top.clause = True
        elif any(word in keyword for word in CLAUSE_ENDS):
            top.clause = False

    def _top_level_word(self, keyword: str, position: int) -> None:
        """The prologue's BASE, where the query form starts, and the dataset clauses."""
        if keyword == "BASE" and self.found.query_form < 0:
            self.found.base = True
        elif self.found.query_form < 0 and keyword.startswith(QUERY_FORMS):
            self.found.query_form = position
        elif keyword in ("FROM", "FROMNAMED"):
            self.pending_from = (position, keyword == "FROMNAMED")
        elif keyword == "NAMED" and self.pending_from is not None:
            self.pending_from = (self.pending_from[0], True)

    def _prefixed_name(self, name: str, position: int) -> int:
        prefix = name.split(":", 1)[0].upper()
        if "SERVICE" in prefix and self.text.startswith("{", self._skip(position + len(name))):
            self.found.service = True  # SERVICEex:a { … } is SERVICE ex:a { … }
        if prefix in ("FROM", "FROMNAMED") and self._in_dataset_clauses():
            self.pending_from = (position, prefix == "FROMNAMED")  # FROM:g is FROM :g
            return self._emit(position, position + len(name), "name", name[len(prefix) :])
        return self._emit(position, position + len(name), "name", name)

    def _in_dataset_clauses(self) -> bool:
        """At the top level, after the query form, where dataset clauses go (DESCRIBE's IRIs go there too)."""
        form = self.found.query_form
        return len(self.stack) == 1 and form >= 0 and not self.text[form:].upper().startswith("DESCRIBE")

    def _match(self, pattern: re.Pattern[str], position: int, kind: str) -> int:
        """A token of the pattern, or (the engine will refuse the text) its first character alone."""
        found = pattern.match(self.text, position)
        if found is None:
            return self._punctuation(position)
        return self._emit(position, found.end(), kind, found.group())

    def _punctuation(self, position: int) -> int:
        found = PUNCTUATION.match(self.text, position)
        assert found is not None  # noqa: S101 - the pattern matches any character
        text = found.group()
        if text in "([{":
            self._open_bracket(text)
            return self._emit(position, found.end(), "opening", text)
        if text in ")]}":
            self._close()
            return self._emit(position, found.end(), "closing", text)
        if text == ">" and self.stack[-1].kind == TRIPLE and self.text.startswith(">>", position):
            self._close()
            return self._emit(position, position + 2, "closing", ">>")
        if text == "!":
            self.negations += 1
            self._deepen(len(self.stack) - 1 + self.negations)
        return self._emit(position, found.end(), "punctuation", text)

    # --- brackets -----------------------------------------------------------------------------

    def _open_bracket(self, text: str) -> None:
        if text == "(":
            self._open(self._parenthesis(), "(")
        elif text == "[":
            self._open(TERMS, "[")
        else:
            if self.stack[-1].kind == GROUP:
                self.stack[-1].clause = False  # the WHERE group ends a SELECT clause
            self._open(VALUES if self.values_next else GROUP, "{")
            self.values_next = False

    def _parenthesis(self) -> str:
        """What a ``(`` opens, told by where it is and what precedes it, as the grammar tells it."""
        top = self.stack[-1]
        if top.kind == EXPRESSION:
            return EXPRESSION
        if top.kind != GROUP:
            return TERMS
        kind, text = self.last
        if kind == "keyword":
            return TERMS if text in TERMS_AFTER else EXPRESSION
        if top.clause or self._function_call():
            return EXPRESSION
        return TERMS

    def _function_call(self) -> bool:
        """``FILTER <f>(…)`` or ``FILTER ex:f(…)``, also glued (``FILTERex:f(…)``); else an IRI
        before ``(`` is a predicate before a collection."""
        kind, text = self.last
        if kind == "iri":
            return self.before_last == ("keyword", "FILTER")
        if kind == "name":
            prefix = text.split(":", 1)[0].upper()
            return self.before_last == ("keyword", "FILTER") or prefix.startswith("FILTER")
        return False

    def _open(self, kind: str, opener: str) -> None:
        self.stack.append(_Frame(kind, opener))
        if kind == VALUES:
            self.in_values += 1
        self._deepen(len(self.stack) - 1)

    def _close(self) -> None:
        if len(self.stack) > 1:
            if self.stack.pop().kind == VALUES:
                self.in_values -= 1

    def _deepen(self, depth: int) -> None:
        if depth > self.found.depth:
            self.found.depth = depth
            if depth > self.max_depth:
                self.found.stopped = True

    # --- every token --------------------------------------------------------------------------

    def _emit(self, start: int, end: int, kind: str, text: str) -> int:
        """Count a token and remember it for the rules that look back; end a pending FROM clause."""
        if text != "!":
            self.negations = 0
        if self.pending_from is not None and text not in ("FROM", "NAMED", "FROMNAMED"):
            if kind in ("iri", "name"):
                begin, named = self.pending_from
                self.found.dataset.append(DatasetClause(begin, end, named, text))
            self.pending_from = None
        if not self.in_values:
            self.found.tokens += 1
            if self.found.tokens > self.max_tokens:
                self.found.stopped = True
        self.before_last, self.last = self.last, (kind, text)
        return end
