// Package dynamotest gives integration tests a fresh table on a real DynamoDB Local: the one named by
// DYNAMODB_ENDPOINT (bin/with's), or else one this test binary starts (make test: one per package,
// since an instance slows with every stream record it has held).
package dynamotest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/template"
)

var (
	once     sync.Once
	endpoint string
	tpl      *template.Template
	startErr error
	seq      atomic.Int64
)

// Root is the project root (the folder holding template.yaml).
func Root() (string, error) {
	p, err := template.Find()
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

func setup() {
	root, err := Root()
	if err != nil {
		startErr = err
		return
	}
	if tpl, err = template.Load(filepath.Join(root, "template.yaml")); err != nil {
		startErr = err
		return
	}
	if endpoint = os.Getenv("DYNAMODB_ENDPOINT"); endpoint != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv, err := dynamodblocal.Start(ctx, dynamodblocal.Options{Root: root})
	if err != nil {
		startErr = err
		return
	}
	endpoint = srv.Endpoint // stops with the test binary (Pdeathsig)
}

// Endpoint returns the DynamoDB Local endpoint, starting it if needed. It fails the test (never
// skips it) when DynamoDB Local cannot run.
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if startErr != nil {
		t.Fatalf("DynamoDB Local: %v", startErr)
	}
	return endpoint
}

// NewTable creates the tables of template.yaml with a unique name (the main table under it, the
// audit table beside it as store.New expects) and drops them after the test.
func NewTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	db := dynamodblocal.Client(Endpoint(t))
	name := fmt.Sprintf("t%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	ctx := context.Background()
	t.Cleanup(func() { dynamodblocal.DropTables(ctx, db, tpl, name) })
	if err := dynamodblocal.EnsureTable(ctx, db, tpl, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return db, name
}
