"""Data access for the dashboards: aggregates from the shared tier, with access rules and disclosure control."""
