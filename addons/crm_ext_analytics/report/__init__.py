from . import crm_ext_cohort_report
