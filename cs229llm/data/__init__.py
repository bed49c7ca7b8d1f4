"""Data stages of the lecture: crawl -> text -> language -> quality -> dedup -> domains.

Every stage takes and returns the documents table (:mod:`cs229llm.data.documents`).
"""
