"""Requirements, manufacturers, tenders, bids, awards, contracts and deliveries.

Built by the procurement issue.
"""
