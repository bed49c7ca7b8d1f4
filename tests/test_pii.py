"""PII masking: what each pattern catches, what it must leave alone, and the counts."""

import pandas as pd

from cs229llm.data.documents import new_documents
from cs229llm.data.pii import mask_pii, mask_text, pii_summary


def test_masks_emails_phones_and_ips_with_counts():
    text = ("Write to jane.doe+news@mail.example.co.uk or call (650) 555-0123, +44 20 7946 0958 "
            "or 650.555.0199 or locally 555-0142. Our servers are 192.168.0.12 and 10.0.0.1.")
    masked, counts = mask_text(text)
    assert counts == {"email": 1, "ip": 2, "phone": 4}
    assert "jane" not in masked and "555" not in masked and "192.168" not in masked
    assert masked.count("<PHONE>") == 4 and masked.count("<IP_ADDRESS>") == 2 and "<EMAIL>" in masked


def test_leaves_dates_prices_ids_and_invalid_ips_alone():
    text = ("In 2024 we sold 1,234,567 units at $19.99 on 2024-01-15; order 1234567890; "
            "version 3.2.1; not an address: 999.10.10.10 or 1.2.3.4.5; score 12-34; seasons 2019-2020.")
    masked, counts = mask_text(text)
    assert counts == {"email": 0, "ip": 0, "phone": 0}
    assert masked == text


def test_stage_adds_count_columns_and_a_summary():
    docs = new_documents(pd.DataFrame({"id": ["a", "b", "c"],
                                       "text": ["mail a@b.org twice: c@d.net", "no personal data", ""]}))
    docs.loc[2, ["dropped_by", "drop_reason"]] = ["langid", "empty text"]
    out = mask_pii(docs)
    assert list(out["pii_email"]) == [2, 0, 0]
    assert out.loc[0, "text"] == "mail <EMAIL> twice: <EMAIL>"
    assert out["dropped_by"].notna().sum() == 1  # masking drops nothing
    summary = pii_summary(out).set_index("kind")
    assert summary.loc["email", "matches"] == 2 and summary.loc["email", "documents"] == 1
    assert summary.loc["phone", "matches"] == 0
