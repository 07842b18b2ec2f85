"""The promotable object codes and the sub-objects the service pulls in with each.

This is the one place the list lives (API reference, section 3.1). Response keys are never
checked against it: the service reports sub-object codes (TTSK, TPRED, ...) that no
document lists.
"""

from __future__ import annotations

# objCode -> (label, included sub-object labels)
PROMOTABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "PROJ": ("Project", ("Task", "Assignment", "Predecessor", "Company", "Override Rate",
                         "Group", "Role", "Team", "Approval Process", "Queue Definition",
                         "Queue Topic Group", "Queue Topic", "Routing Rule", "Milestone Path",
                         "Hour Type", "Resource Pool", "Category", "Parameter")),
    "TMPL": ("Template", ("Template Task", "Template Task Assignment",
                          "Template Task Predecessor", "Company", "Group", "Role", "Team",
                          "Approval Process", "Queue Definition", "Queue Topic Group",
                          "Queue Topic", "Routing Rule", "Milestone Path", "Category",
                          "Parameter")),
    "UITMPL": ("Layout Template", ("Dashboard", "Calendar", "Calendar Section", "External Page",
                                   "Report", "Filter", "Grouping", "View", "Parameter", "Group")),
    "PTLTAB": ("Dashboard", ("Calendar", "Calendar Section", "External Page", "Report",
                             "Filter", "Grouping", "View", "Parameter")),
    "CALEND": ("Calendar", ("Calendar Section",)),
    "EXTSEC": ("External Page", ()),
    "PTLSEC": ("Report", ("Filter", "Grouping", "View", "Parameter")),
    "UIFT": ("Filter", ("Parameter",)),
    "UIGB": ("Grouping", ("Parameter",)),
    "UIVW": ("View", ("Parameter",)),
    "CTGY": ("Category (custom form)", ("Category Parameter", "Parameter", "Parameter Group",
                                        "Parameter Option", "Category Display Logic", "Group")),
    "PARAM": ("Parameter (custom field)", ("Parameter Option",)),
    "PGRP": ("Parameter Group", ()),
    "GROUP": ("Group", ("Sub-group", "Category", "Category Parameter", "Parameter",
                        "Parameter Group", "Parameter Option", "Category Display Logic")),
    "ROLE": ("Role", ()),
    "TEAM": ("Team", ("Group",)),
    "CMPY": ("Company", ("Override Rate", "Category", "Category Parameter", "Parameter",
                         "Parameter Group", "Category Display Logic", "Group")),
    "PORT": ("Portfolio", ("Program", "Group", "Category", "Parameter")),
    "PRGM": ("Program", ("Portfolio", "Group", "Category", "Parameter")),
    "ARVPRC": ("Approval Process", ("Approval Path", "Approval Step", "Step Approver", "Role",
                                    "Team", "Group")),
    "SCHED": ("Schedule", ("Non Work Day", "Group")),
    "MPATH": ("Milestone Path", ("Milestone",)),
    "TSPRO": ("Timesheet Profile", ("Hour Type",)),
    "HOURT": ("Hour Type", ()),
    "EXPTYP": ("Expense Type", ()),
    "RSKTYP": ("Risk Type", ()),
    "RSPL": ("Resource Pool", ()),
    "ACSLVL": ("Access Level", ()),
    "RTCRD": ("Rate Card", ()),
    "CLSF": ("Location / Classifier", ()),
    "BSNRUL": ("Business Rules", ()),
}

PROMOTABLE_CODES: tuple[str, ...] = tuple(PROMOTABLE)

# Translation-map actions a user may ask for. CREATEWITHALTNAME is read but never sent:
# how to give the alternative name is undocumented.
INSTALL_ACTIONS: tuple[str, ...] = ("CREATE", "USEEXISTING", "OVERWRITING", "IGNORE")

# The one parent -> children table of the translation map (reference sections 2.4 and 2.5).
# The IGNORE cascade goes by the package's own parent links (``parentID`` in
# ``packageEntities``); only when the service reports none does it fall back to these objCode
# pairs: a created parent that is ignored then needs every record of its child objCodes
# ignored too. Codes are those the service reports
# (TTSK, TASSGN, TPRED, QUED, QUET and RRUL from the 2023 installOrder; the others by their
# Workfront objCodes). PARAMOPT is what the simulator reports for a parameter option.
CHILD_CODES: dict[str, tuple[str, ...]] = {
    "PROJ": ("TASK", "ASSGN", "PRED", "QUED", "QUETGP", "QUET", "RRUL"),
    "TASK": ("ASSGN", "PRED"),
    "TMPL": ("TTSK", "TASSGN", "TPRED", "QUED", "QUETGP", "QUET", "RRUL"),
    "TTSK": ("TASSGN", "TPRED"),
    "PARAM": ("POPT", "PARAMOPT"),
    "CALEND": ("CALSEC",),
    "QUED": ("QUETGP", "QUET"),
}

# Types whose names may repeat in one environment (reference section 2.4: "templates,
# projects, views, filters, groupings, reports, dashboards" get a second record of the same
# name). Every other type is taken to need unique names, as groups are documented to (2.4,
# 3.3): creating a second record of the same name fails the install.
DUPLICATE_NAMES_ALLOWED: frozenset[str] = frozenset(
    {"TMPL", "PROJ", "UIVW", "UIFT", "UIGB", "PTLSEC", "PTLTAB"})
# Types the reference documents as refusing duplicate names.
DOCUMENTED_UNIQUE_NAMES: frozenset[str] = frozenset({"GROUP"})


def may_repeat_names(code: str) -> bool:
    """Whether a second record of this objCode with the same name can be created."""
    return code.upper() in DUPLICATE_NAMES_ALLOWED


def _code_of_label() -> dict[str, str]:
    """"Report" -> PTLSEC, "Category" -> CTGY, ...: the promotable code a label names."""
    out: dict[str, str] = {}
    for code, (label, _) in PROMOTABLE.items():
        out[label] = code
        out[label.split(" (")[0]] = code
    return out


def _sub_object_codes() -> dict[str, frozenset[str]]:
    labels = _code_of_label()
    return {code: frozenset(labels[s] for s in subs if s in labels and labels[s] != code)
            for code, (_, subs) in PROMOTABLE.items()}


# objCode -> the promotable objCodes the service may pull in with it as sub-objects
# (a dashboard's reports, views and filters; a form's fields). Objects of these codes in a
# served package may be sub-objects rather than objects the package names.
SUB_OBJECT_CODES: dict[str, frozenset[str]] = _sub_object_codes()
