package awsenv

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// versions stands for a secret's versions by stage.
type versions struct {
	mu     sync.Mutex
	stages map[string]string
	err    error
	asked  []string
}

func (v *versions) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asked = append(v.asked, aws.ToString(in.SecretId)+"@"+aws.ToString(in.VersionStage))
	if v.err != nil {
		return nil, v.err
	}
	s, ok := v.stages[aws.ToString(in.VersionStage)]
	if !ok {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("no version with that stage")}
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(s)}, nil
}

// TestSecretKeys: the current version signs, the previous one (after a rotation) verifies; a secret
// never rotated has no previous version; any other failure is the key source's.
func TestSecretKeys(t *testing.T) {
	ctx := context.Background()
	cur, prev := strings.Repeat("C", 64), strings.Repeat("P", 64)
	v := &versions{stages: map[string]string{"AWSCURRENT": cur}}
	src := SecretKeys{Client: v, ID: "arn:secret"}
	ks, err := src.SigningKeys(ctx)
	if err != nil || len(ks.Current) < 32 || ks.Previous != nil {
		t.Fatalf("a secret never rotated: %v, %v", ks, err)
	}
	if len(v.asked) != 2 || !strings.Contains(strings.Join(v.asked, " "), "arn:secret@AWSPREVIOUS") {
		t.Errorf("asked %v", v.asked)
	}
	v.stages["AWSPREVIOUS"] = prev
	if ks, err = src.SigningKeys(ctx); err != nil || string(ks.Current) == string(ks.Previous) || ks.Previous == nil {
		t.Fatalf("after a rotation: %v, %v", ks, err)
	}
	if k, err := src.SigningKey(ctx); err != nil || string(k) != string(ks.Current) {
		t.Errorf("SigningKey %q, %v", k, err)
	}
	v.err = errors.New("AccessDeniedException")
	if _, err := src.SigningKeys(ctx); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("a refused read: %v", err)
	}
}
