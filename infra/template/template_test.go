package template_test

import (
	"testing"

	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/store"
)

// TestEveryTableOfTheTemplate: every AWS::DynamoDB::Table becomes a CreateTable request (the local
// stack and the tests create each from the template), the main table is the one Globals' TABLE_NAME
// names, and the audit table's local name is the one store.New expects beside the main table.
func TestEveryTableOfTheTemplate(t *testing.T) {
	t.Parallel()
	path, err := template.Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.TableID != "Table" || tpl.TableEnv["TABLE_NAME"] != "Table" || tpl.TableEnv["AUDIT_TABLE_NAME"] != "AuditTable" {
		t.Fatalf("main table %q, table variables %v", tpl.TableID, tpl.TableEnv)
	}
	if ids := tpl.TableIDs(); len(ids) != len(tpl.Tables) || ids[0] != tpl.TableID {
		t.Errorf("TableIDs %v of %d tables", ids, len(tpl.Tables))
	}
	if got, want := tpl.LocalName("AuditTable", "base"), store.AuditTableFor("base"); got != want {
		t.Errorf("the audit table's local name is %q, store.New expects %q", got, want)
	}
	main, err := tpl.CreateTableInput("base")
	if err != nil || len(main.GlobalSecondaryIndexes) != 1 || main.StreamSpecification == nil || tpl.TTLAttribute() != "expiresAt" {
		t.Errorf("main table: %+v, %v", main, err)
	}
	audit, err := tpl.TableInput("AuditTable", tpl.LocalName("AuditTable", "base"))
	if err != nil {
		t.Fatal(err)
	}
	if *audit.TableName != "base-audit" || len(audit.KeySchema) != 2 || len(audit.GlobalSecondaryIndexes) != 0 ||
		audit.StreamSpecification != nil || tpl.TTLAttributeOf("AuditTable") != "" || audit.BillingMode != "PAY_PER_REQUEST" {
		t.Errorf("audit table: %+v", audit)
	}
	if _, err := tpl.TableInput("Nope", "x"); err == nil {
		t.Error("TableInput of a table the template lacks")
	}
}
