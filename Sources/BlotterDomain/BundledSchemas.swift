public import BlotterFormat
public import BlotterLog
/// The event schemas built into this binary, by file name (Schemas/events). A test checks that this
/// list and the folder agree, so a schema added to the folder cannot be forgotten here.
enum BundledSchemas {
    static let files: [String: [UInt8]] = [
        "bodycam.evidence.accessed.v1.json": PackageResources.bodycam_evidence_accessed_v1_json,
        "bodycam.evidence.accessed.v2.json": PackageResources.bodycam_evidence_accessed_v2_json,
        "bodycam.evidence.deleted.v1.json": PackageResources.bodycam_evidence_deleted_v1_json,
        "bodycam.evidence.deleted.v2.json": PackageResources.bodycam_evidence_deleted_v2_json,
        "bodycam.evidence.deletion.requested.v1.json": PackageResources.bodycam_evidence_deletion_requested_v1_json,
        "bodycam.evidence.deletion.requested.v2.json": PackageResources.bodycam_evidence_deletion_requested_v2_json,
        "bodycam.evidence.redacted.v1.json": PackageResources.bodycam_evidence_redacted_v1_json,
        "bodycam.evidence.redacted.v2.json": PackageResources.bodycam_evidence_redacted_v2_json,
        "bodycam.marker.added.v1.json": PackageResources.bodycam_marker_added_v1_json,
        "bodycam.marker.added.v2.json": PackageResources.bodycam_marker_added_v2_json,
        "bodycam.recording.captured.v1.json": PackageResources.bodycam_recording_captured_v1_json,
        "bodycam.recording.captured.v2.json": PackageResources.bodycam_recording_captured_v2_json,
        "bodycam.retention.changed.v1.json": PackageResources.bodycam_retention_changed_v1_json,
        "bodycam.retention.changed.v2.json": PackageResources.bodycam_retention_changed_v2_json,
        "case.allegation.added.v1.json": PackageResources.case_allegation_added_v1_json,
        "case.allegation.added.v2.json": PackageResources.case_allegation_added_v2_json,
        "case.allegation.amended.v1.json": PackageResources.case_allegation_amended_v1_json,
        "case.allegation.amended.v2.json": PackageResources.case_allegation_amended_v2_json,
        "case.assigned.v1.json": PackageResources.case_assigned_v1_json,
        "case.assigned.v2.json": PackageResources.case_assigned_v2_json,
        "case.closed.v1.json": PackageResources.case_closed_v1_json,
        "case.closed.v2.json": PackageResources.case_closed_v2_json,
        "case.discipline.imposed.v1.json": PackageResources.case_discipline_imposed_v1_json,
        "case.discipline.imposed.v2.json": PackageResources.case_discipline_imposed_v2_json,
        "case.discipline.modified.v1.json": PackageResources.case_discipline_modified_v1_json,
        "case.discipline.modified.v2.json": PackageResources.case_discipline_modified_v2_json,
        "case.evidence.linked.v1.json": PackageResources.case_evidence_linked_v1_json,
        "case.evidence.linked.v2.json": PackageResources.case_evidence_linked_v2_json,
        "case.finding.approved.v1.json": PackageResources.case_finding_approved_v1_json,
        "case.finding.approved.v2.json": PackageResources.case_finding_approved_v2_json,
        "case.finding.recorded.v1.json": PackageResources.case_finding_recorded_v1_json,
        "case.finding.recorded.v2.json": PackageResources.case_finding_recorded_v2_json,
        "case.finding.recorded.v3.json": PackageResources.case_finding_recorded_v3_json,
        "case.opened.v1.json": PackageResources.case_opened_v1_json,
        "case.opened.v2.json": PackageResources.case_opened_v2_json,
        "case.reopened.v1.json": PackageResources.case_reopened_v1_json,
        "case.reopened.v2.json": PackageResources.case_reopened_v2_json,
        "case.tolled.v1.json": PackageResources.case_tolled_v1_json,
        "case.tolled.v2.json": PackageResources.case_tolled_v2_json,
        "complaint.received.v1.json": PackageResources.complaint_received_v1_json,
        "complaint.received.v2.json": PackageResources.complaint_received_v2_json,
        "disclosure.published.v1.json": PackageResources.disclosure_published_v1_json,
        "officer.linked.v1.json": PackageResources.officer_linked_v1_json,
        "officer.registered.v1.json": PackageResources.officer_registered_v1_json,
        "officer.unlinked.v1.json": PackageResources.officer_unlinked_v1_json,
        "officer.updated.v1.json": PackageResources.officer_updated_v1_json,
        "oversight.review.recorded.v1.json": PackageResources.oversight_review_recorded_v1_json,
        "oversight.review.recorded.v2.json": PackageResources.oversight_review_recorded_v2_json,
        "record.sealed.v1.json": PackageResources.record_sealed_v1_json,
        "schema.registered.v1.json": PackageResources.schema_registered_v1_json,
        "use_of_force.amended.v1.json": PackageResources.use_of_force_amended_v1_json,
        "use_of_force.amended.v2.json": PackageResources.use_of_force_amended_v2_json,
        "use_of_force.reported.v1.json": PackageResources.use_of_force_reported_v1_json,
        "use_of_force.reported.v2.json": PackageResources.use_of_force_reported_v2_json,
        "use_of_force.reviewed.v1.json": PackageResources.use_of_force_reviewed_v1_json,
        "use_of_force.reviewed.v2.json": PackageResources.use_of_force_reviewed_v2_json,
    ]
}

extension RoleTable {
    /// The table shipped with this build (Schemas/roles.json).
    public static func bundled() throws(BlotterError) -> RoleTable {
        try RoleTable(json: try JSONParser.parse(PackageResources.roles_json))
    }
}

/// Schemas of configuration documents that the layers above load (policies, mappings).
package enum ConfigurationSchemas {
    package static var disclosurePolicy: [UInt8] { PackageResources.disclosure_policy_schema_json }
    package static var importMapping: [UInt8] { PackageResources.import_mapping_schema_json }
}
