"""
PowerShell blocks as the docs checks read them: the tree-sitter grammar, and a lint
for what the grammar accepts but Windows PowerShell 5.1 refuses or reads otherwise.
"""

import re
from collections.abc import Iterator

import tree_sitter
import tree_sitter_powershell

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
# Text that is data, not code: blanked before the code rules look at a block.
DATA_NODES = {"string_literal", "comment"}

# Rules on the names of commands, as the grammar finds them.
COMMAND_RULES = [
    (
        "bare curl (Invoke-WebRequest in Windows PowerShell): write curl.exe",
        re.compile(r"curl", re.IGNORECASE),
    ),
    (
        "export is bash: write $env:NAME = value",
        re.compile(r"export", re.IGNORECASE),
    ),
    (
        "NAME=value before a command is bash: set $env:NAME first",
        re.compile(r"[A-Za-z_]\w*=.*"),
    ),
]
# Rules on the strings given to a command, by the command's name.
ARGUMENT_RULES = [
    (
        "inline JSON for a program (its double quotes are lost before PowerShell "
        "7.3): send a file",
        re.compile(r".+\.exe", re.IGNORECASE),
        lambda text: '"' in text[1:-1],
    ),
    (
        "non-ASCII text in a web cmdlet's string (sent as ISO-8859-1 by Windows "
        "PowerShell 5.1): send UTF-8 bytes",
        re.compile(r"Invoke-RestMethod|Invoke-WebRequest|irm|iwr", re.IGNORECASE),
        lambda text: not text.isascii(),
    ),
]
# Rules on the code with strings and comments blanked.
CODE_RULES = [
    ("&& or || (PowerShell 7 only): one command per line", re.compile(r"&&|\|\|")),
    (
        'unquoted @name (read as splatting): quote it, "@file"',
        re.compile(r"(?<![\w$@])@(?![({\"'])[\w./\\:-]"),
    ),
]
# Rules on the text as written.
TEXT_RULES = [
    ("a backtick that is not the last character of its line", re.compile(r"`.")),
    (
        "curly quotes: PowerShell reads them as quotes",
        re.compile("[\u201c\u201d\u2018\u2019]"),
    ),
    ("localhost: write 127.0.0.1", re.compile("localhost", re.IGNORECASE)),
]


def parse_problems(code: str) -> list[str]:
    """
    Each ERROR or MISSING node the grammar leaves in `code`, with its line.
    """
    source = code.encode("utf-8")
    return [
        f"line {node.start_point.row + 1}: "
        f"{'missing ' + node.type if node.is_missing else 'cannot parse'} "
        f"{source[node.start_byte : node.end_byte].decode('utf-8', 'replace')!r}"
        for node in _nodes(PARSER.parse(source).root_node)
        if node.is_error or node.is_missing
    ]


def lint_problems(code: str) -> list[str]:
    """
    What Windows PowerShell 5.1 would not run as meant, one message per finding.
    """
    source = code.encode("utf-8")
    tree = PARSER.parse(source)
    problems = []
    for node in _nodes(tree.root_node):
        if node.type == "command":
            problems += _command_problems(source, node)
    code_only = _blank(source, tree.root_node, DATA_NODES)
    problems += [rule for rule, pattern in CODE_RULES if pattern.search(code_only)]
    problems += [rule for rule, pattern in TEXT_RULES if pattern.search(code)]
    return problems


def _command_problems(source: bytes, command: tree_sitter.Node) -> list[str]:
    names = [child for child in command.children if child.type == "command_name"]
    if not names:
        return []  # a call through & or ., named by an expression
    name = _text(source, names[0])
    strings = [
        _text(source, node) for node in _nodes(command) if node.type == "string_literal"
    ]

    problems = [rule for rule, pattern in COMMAND_RULES if pattern.fullmatch(name)]
    for rule, program, offends in ARGUMENT_RULES:
        if program.fullmatch(name) and any(map(offends, strings)):
            problems.append(rule)
    return problems


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def commands(code: str) -> list[str]:
    """
    The lines of `code` without comments or blank lines, stripped.
    """
    source = code.encode("utf-8")
    lines = _blank(source, PARSER.parse(source).root_node, {"comment"}).splitlines()
    return [line.strip() for line in lines if line.strip()]


def _blank(source: bytes, root: tree_sitter.Node, types: set[str]) -> str:
    # Spaces for the nodes of these types; line breaks stay, so lines keep their places.
    code = bytearray(source)
    for node in _nodes(root):
        if node.type in types:
            for index in range(node.start_byte, node.end_byte):
                if code[index] != ord("\n"):
                    code[index] = ord(" ")
    return code.decode("utf-8", "replace")


def _nodes(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from _nodes(child)
