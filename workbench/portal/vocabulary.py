"""The portal's fixed vocabularies: categories, source types, the 3x5x2 grading, decisions, statuses.

Categories follow the kinds of intelligence reference 000 and 001 name (child criminal
exploitation, county lines, knife crime, neighbourhood issues such as ASB, exploitation,
hate crime). The 3x5x2 grading is the national intelligence evaluation model used by UK
police forces: source evaluation (3 grades), intelligence assessment (5 grades) and
handling code (2 codes); reference 001 ("What is the difference between information and
intelligence?") describes the evaluation it records.
"""

from __future__ import annotations

#: submission categories: code -> label shown to partners
CATEGORIES = {
    "child_criminal_exploitation": "Child criminal exploitation",
    "county_lines_drugs": "County lines / drugs",
    "knife_crime": "Knife crime",
    "asb": "Anti-social behaviour (ASB)",
    "exploitation": "Exploitation (sexual, labour, modern slavery)",
    "hate_crime": "Hate crime",
    "other": "Other",
}

#: categories triaged first (reference 000: the portal began with high-risk cases such as knife crime)
PRIORITY_CATEGORIES = ("child_criminal_exploitation", "knife_crime", "county_lines_drugs", "exploitation")

#: how the submitter came by the information: code -> label
SOURCE_TYPES = {
    "staff_direct": "I (or a colleague) saw or heard it directly",
    "service_user": "A service user, pupil, tenant or client told us",
    "member_of_public": "A member of the public told us",
    "other_professional": "Another professional told us",
    "document_or_record": "A document, record or social-media post",
    "other": "Other",
}

#: 3x5x2 source evaluation
SOURCE_EVALUATION = {
    "1": "Reliable",
    "2": "Untested",
    "3": "Not reliable",
}

#: 3x5x2 intelligence assessment
INTELLIGENCE_ASSESSMENT = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}

#: 3x5x2 handling code (C needs conditions text)
HANDLING_CODES = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted subject to conditions",
}

#: reviewer decisions: code -> label
DECISIONS = {
    "transfer": "Transfer to police systems",
    "no_further_action": "No further action",
    "refer": "Refer to another agency",
}

#: internal statuses of a submission
STATUS_RECEIVED = "received"
STATUS_TRANSFER_PENDING = "transfer_pending"
STATUS_TRANSFERRED = "transferred"
STATUS_NFA = "no_further_action"
STATUS_REFERRED = "referred"
STATUSES = (STATUS_RECEIVED, STATUS_TRANSFER_PENDING, STATUS_TRANSFERRED, STATUS_NFA, STATUS_REFERRED)

#: decision -> status it leads to
DECISION_STATUS = {
    "transfer": STATUS_TRANSFER_PENDING,
    "no_further_action": STATUS_NFA,
    "refer": STATUS_REFERRED,
}


def partner_status(status: str) -> str:
    """The status a partner may see: received or assessed, never the outcome.

    Reference 000 ("Learning"): partners asked for results back, "however, this is not the
    purpose of the portal"; so every decision shows to partners as ``assessed``.

    Examples
    --------
    >>> [partner_status(s) for s in STATUSES]
    ['received', 'assessed', 'assessed', 'assessed', 'assessed']
    """
    return "received" if status == STATUS_RECEIVED else "assessed"


#: types of organisation that register (reference 000, "Partners")
AGENCY_TYPES = {
    "school": "School or college",
    "housing": "Housing provider",
    "probation": "Probation / criminal justice",
    "charity": "Charity or voluntary organisation",
    "local_authority": "Local authority service",
    "health": "Health service",
    "business": "Business",
    "other": "Other",
}
