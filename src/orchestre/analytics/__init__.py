"""Analytics: KPI formulas and queries, goals, link tracking, dashboards' data and reports."""
